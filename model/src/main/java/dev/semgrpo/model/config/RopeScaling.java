package dev.semgrpo.model.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * RoPE frequency scaling, one record per transformers {@code rope_type} that semgrpo implements (no scaling is
 * {@code null}, transformers' {@code default}). Formulas follow transformers' {@code modeling_rope_utils.py}
 * ({@code _compute_linear_scaling_rope_parameters}, {@code _compute_llama3_parameters},
 * {@code _compute_yarn_parameters}); {@link #inverseFrequencies} is the one function the model and the test oracle
 * use.
 */
public sealed interface RopeScaling permits RopeScaling.Linear, RopeScaling.Llama3, RopeScaling.Yarn {

    /** transformers' {@code rope_type} name. */
    String ropeType();

    /** Scales the unscaled inverse frequencies {@code inv} (length {@code headDim / 2}) in place. */
    void scale(double[] inv, int headDim, double theta);

    /** Factor on the cos and sin tables (transformers' {@code attention_scaling}); 1 unless the type sets one. */
    default double attentionScaling() {
        return 1.0;
    }

    /** Writes {@code rope_type} and this type's parameters into a {@code rope_scaling} object. */
    void write(ObjectNode out);

    /**
     * Inverse frequencies {@code theta^(-2i/d)} for {@code i < d/2}, scaled as transformers does for
     * {@code scaling}'s rope type (unscaled when {@code scaling} is null).
     */
    static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        double[] inv = new double[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        }
        if (scaling != null) {
            scaling.scale(inv, headDim, theta);
        }
        return inv;
    }

    /** {@link #attentionScaling()} of {@code scaling}, 1 when null. */
    static double attentionScaling(RopeScaling scaling) {
        return scaling == null ? 1.0 : scaling.attentionScaling();
    }

    private static void factorAtLeastOne(double factor) {
        if (!(factor >= 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("factor must be a number >= 1, found " + factor);
        }
    }

    private static void positiveOriginal(int original) {
        if (original <= 0) {
            throw new IllegalArgumentException("original_max_position_embeddings must be > 0, found " + original);
        }
    }

    /**
     * {@code rope_type = "linear"}: positions divided by {@code factor}, i.e. every inverse frequency divided by it.
     *
     * @param factor position interpolation factor
     */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            factorAtLeastOne(factor);
        }

        @Override
        public String ropeType() {
            return "linear";
        }

        @Override
        public void scale(double[] inv, int headDim, double theta) {
            for (int i = 0; i < inv.length; i++) {
                inv[i] = inv[i] / factor;
            }
        }

        @Override
        public void write(ObjectNode out) {
            out.put("rope_type", ropeType());
            out.put("factor", factor);
        }
    }

    /**
     * Llama-3 style scaling ({@code rope_type = "llama3"}).
     *
     * @param factor scale applied to low frequencies
     * @param lowFreqFactor wavelengths above {@code original / lowFreqFactor} are divided by {@code factor}
     * @param highFreqFactor wavelengths below {@code original / highFreqFactor} are kept
     * @param originalMaxPositionEmbeddings context length of the unscaled model
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings)
            implements RopeScaling {
        public Llama3 {
            factorAtLeastOne(factor);
            if (!(highFreqFactor > lowFreqFactor) || !(lowFreqFactor > 0)) {
                throw new IllegalArgumentException("llama3 scaling needs 0 < low_freq_factor < high_freq_factor,"
                        + " found low=" + lowFreqFactor + ", high=" + highFreqFactor);
            }
            positiveOriginal(originalMaxPositionEmbeddings);
        }

        @Override
        public String ropeType() {
            return "llama3";
        }

        @Override
        public void scale(double[] inv, int headDim, double theta) {
            double lowWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
            double highWavelen = originalMaxPositionEmbeddings / highFreqFactor;
            for (int i = 0; i < inv.length; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen < highWavelen) {
                    continue;
                }
                if (wavelen > lowWavelen) {
                    inv[i] = inv[i] / factor;
                } else {
                    double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
                            / (highFreqFactor - lowFreqFactor);
                    inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                }
            }
        }

        @Override
        public void write(ObjectNode out) {
            out.put("rope_type", ropeType());
            out.put("factor", factor);
            out.put("low_freq_factor", lowFreqFactor);
            out.put("high_freq_factor", highFreqFactor);
            out.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
        }
    }

    /**
     * YaRN ({@code rope_type = "yarn"}, Qwen's long-context setting): dimensions that turn fewer than
     * {@code betaSlow} times over the original context are interpolated ({@code inv / factor}), those that turn more
     * than {@code betaFast} times are kept, with a linear ramp between; cos and sin are multiplied by
     * {@link #attentionScaling()}.
     *
     * @param factor context extension factor
     * @param originalMaxPositionEmbeddings context length of the unscaled model
     * @param betaFast rotations above which a dimension is extrapolated (transformers' default 32)
     * @param betaSlow rotations below which a dimension is interpolated (default 1)
     * @param attentionFactor explicit factor on cos and sin, or null to derive it from {@code factor}
     * @param mscale numerator scale of the derived attention factor (DeepSeek), or null
     * @param mscaleAllDim denominator scale of the derived attention factor, or null
     * @param truncate round the correction range outwards to whole dimensions (transformers' default true)
     */
    record Yarn(double factor, int originalMaxPositionEmbeddings, double betaFast, double betaSlow,
            Double attentionFactor, Double mscale, Double mscaleAllDim, boolean truncate) implements RopeScaling {
        public Yarn {
            factorAtLeastOne(factor);
            positiveOriginal(originalMaxPositionEmbeddings);
            if (!(betaFast > 0) || !(betaSlow > 0) || !(betaFast >= betaSlow)) {
                throw new IllegalArgumentException("yarn needs beta_fast >= beta_slow > 0, found beta_fast=" + betaFast
                        + ", beta_slow=" + betaSlow);
            }
            if (attentionFactor != null && !(attentionFactor > 0)) {
                throw new IllegalArgumentException("attention_factor must be > 0, found " + attentionFactor);
            }
        }

        /** Qwen's documented setting: {@code factor} over {@code original} positions, every other key default. */
        public static Yarn of(double factor, int originalMaxPositionEmbeddings) {
            return new Yarn(factor, originalMaxPositionEmbeddings, 32, 1, null, null, null, true);
        }

        @Override
        public String ropeType() {
            return "yarn";
        }

        /** Dimension (of {@code headDim}) that turns {@code rotations} times over the original context. */
        private double correctionDim(double rotations, int headDim, double theta) {
            return headDim * Math.log(originalMaxPositionEmbeddings / (rotations * 2 * Math.PI))
                    / (2 * Math.log(theta));
        }

        @Override
        public void scale(double[] inv, int headDim, double theta) {
            double low = correctionDim(betaFast, headDim, theta);
            double high = correctionDim(betaSlow, headDim, theta);
            if (truncate) {
                low = Math.floor(low);
                high = Math.ceil(high);
            }
            low = Math.max(low, 0);
            high = Math.min(high, headDim - 1);
            if (low == high) {
                high += 0.001; // transformers' guard against a zero-width ramp
            }
            for (int i = 0; i < inv.length; i++) {
                double ramp = Math.min(1, Math.max(0, (i - low) / (high - low))); // 0: extrapolate, 1: interpolate
                inv[i] = inv[i] / factor * ramp + inv[i] * (1 - ramp);
            }
        }

        private static double mscaleOf(double scale, double m) {
            return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
        }

        @Override
        public double attentionScaling() {
            if (attentionFactor != null) {
                return attentionFactor;
            }
            if (mscale != null && mscaleAllDim != null && mscale != 0 && mscaleAllDim != 0) {
                return mscaleOf(factor, mscale) / mscaleOf(factor, mscaleAllDim);
            }
            return mscaleOf(factor, 1);
        }

        @Override
        public void write(ObjectNode out) {
            out.put("rope_type", ropeType());
            out.put("factor", factor);
            out.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
            out.put("beta_fast", betaFast);
            out.put("beta_slow", betaSlow);
            if (attentionFactor != null) {
                out.put("attention_factor", attentionFactor);
            }
            if (mscale != null) {
                out.put("mscale", mscale);
            }
            if (mscaleAllDim != null) {
                out.put("mscale_all_dim", mscaleAllDim);
            }
            if (!truncate) {
                out.put("truncate", false);
            }
        }
    }
}
