package dev.semgrpo.model.config;

/**
 * Llama-3 style RoPE frequency scaling ({@code rope_scaling.rope_type = "llama3"}).
 *
 * @param factor scale applied to low frequencies
 * @param lowFreqFactor wavelengths above {@code original / lowFreqFactor} are divided by {@code factor}
 * @param highFreqFactor wavelengths below {@code original / highFreqFactor} are kept
 * @param originalMaxPositionEmbeddings context length of the unscaled model
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {
    public RopeScaling {
        if (!(factor >= 1)) {
            throw new IllegalArgumentException("rope_scaling.factor must be >= 1, found " + factor);
        }
        if (!(highFreqFactor > lowFreqFactor) || !(lowFreqFactor > 0)) {
            throw new IllegalArgumentException("rope_scaling needs 0 < low_freq_factor < high_freq_factor, found low="
                    + lowFreqFactor + ", high=" + highFreqFactor);
        }
        if (originalMaxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings must be > 0, found "
                    + originalMaxPositionEmbeddings);
        }
    }

    /** Inverse frequencies {@code theta^(-2i/d)} for {@code i < d/2}, scaled as transformers' llama3 rope does. */
    public static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        double[] inv = new double[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        }
        if (scaling == null) {
            return inv;
        }
        double lowWavelen = scaling.originalMaxPositionEmbeddings / scaling.lowFreqFactor;
        double highWavelen = scaling.originalMaxPositionEmbeddings / scaling.highFreqFactor;
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen < highWavelen) {
                continue;
            }
            if (wavelen > lowWavelen) {
                inv[i] = inv[i] / scaling.factor;
            } else {
                double smooth = (scaling.originalMaxPositionEmbeddings / wavelen - scaling.lowFreqFactor)
                        / (scaling.highFreqFactor - scaling.lowFreqFactor);
                inv[i] = (1 - smooth) * inv[i] / scaling.factor + smooth * inv[i];
            }
        }
        return inv;
    }
}
