package dev.semgrpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * Truncated importance sampling for rollouts sampled by another engine (a vLLM or {@code semgrpo serve} server):
 * the server's log-probs {@code logp_server} and the trainer's {@code logp_old} of the same tokens differ (other
 * kernels, precision, batching), so each token's policy loss is weighted by
 * {@code w = min(exp(logp_old - logp_server), cap)}, as TRL's vLLM importance-sampling correction does
 * ({@code vllm_importance_sampling_correction}, mode {@code token_truncate}). The weight is a constant (no
 * gradient); the KL term is not weighted.
 *
 * <p>{@code logp_server} must be of the distribution sampled from (vLLM {@code --logprobs-mode processed_logprobs}):
 * temperature applied. With top-k or top-p below 1 the server renormalises over the kept tokens while the trainer
 * does not, so weights sit below 1 even for identical weights; docs/scale-out.md says how large that is.
 */
public final class ImportanceSampling {
    private ImportanceSampling() {
    }

    /**
     * @param weights (B, T) the truncated weights, detached; 0 where the mask is 0
     * @param stats statistics over the masked tokens, on the device
     */
    public record Result(NDArray weights, Stats stats) {
    }

    /**
     * A micro-batch's statistics, each a scalar on the device; {@link #pull()} brings them back in one transfer.
     *
     * @param tokens masked tokens counted
     * @param deltaSum sum of {@code |logp_old - logp_server|}
     * @param deltaMax largest {@code |logp_old - logp_server|}
     * @param weightSum sum of the truncated weights
     * @param weightMin smallest truncated weight
     * @param weightMax largest truncated weight
     * @param capped tokens whose weight was cut to the cap
     */
    public record Stats(NDArray tokens, NDArray deltaSum, NDArray deltaMax, NDArray weightSum, NDArray weightMin,
            NDArray weightMax, NDArray capped) {
        public Values pull() {
            float[] v = NDArrays.stack(new NDList(tokens, deltaSum, deltaMax, weightSum, weightMin, weightMax,
                    capped)).toFloatArray();
            return new Values(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        }
    }

    /** {@link Stats} on the host. */
    public record Values(float tokens, float deltaSum, float deltaMax, float weightSum, float weightMin,
            float weightMax, float capped) {
    }

    /**
     * @param trainerLogp (B, T) the trainer's log-probs of the sampled tokens before the update (no gradient)
     * @param serverLogp (B, T) the server's log-probs of the same tokens (any value where the mask is 0)
     * @param mask (B, T) 1 for counted tokens
     * @param cap largest weight (TRL's vllm_importance_sampling_cap)
     */
    public static Result truncated(NDArray trainerLogp, NDArray serverLogp, NDArray mask, double cap) {
        if (!(cap >= 1)) {
            throw new IllegalArgumentException("the importance-sampling cap must be >= 1, found " + cap);
        }
        NDArray counted = mask.gt(0f);
        NDArray zero = trainerLogp.zerosLike();
        // where, not a product: a masked position may hold anything (NaN x 0 is NaN)
        NDArray delta = NDArrays.where(counted, trainerLogp.sub(serverLogp), zero);
        NDArray ratio = delta.exp();
        NDArray weights = NDArrays.where(counted, ratio.minimum((float) cap), zero).stopGradient();
        NDArray unmasked = mask.neg().add(1f);
        NDArray absDelta = delta.abs();
        Stats s = new Stats(mask.sum(), absDelta.sum(), absDelta.max(), weights.sum(),
                weights.add(unmasked.mul(Float.MAX_VALUE)).min(), weights.max(),
                ratio.gt((float) cap).toType(mask.getDataType(), false).mul(mask).sum());
        return new Result(weights, s);
    }

    /**
     * The batch's statistics as logged, from its micro-batches: TRL's {@code sampling/sampling_logp_difference/mean,
     * max} and {@code sampling/importance_sampling_ratio/min, mean, max}, and the share of tokens capped.
     */
    public static final class Summary {
        private double tokens;
        private double deltaSum;
        private double deltaMax;
        private double weightSum;
        private double weightMin = Double.POSITIVE_INFINITY;
        private double weightMax;
        private double capped;

        public void add(Values v) {
            if (v.tokens() <= 0) {
                return;
            }
            tokens += v.tokens();
            deltaSum += v.deltaSum();
            deltaMax = Math.max(deltaMax, v.deltaMax());
            weightSum += v.weightSum();
            weightMin = Math.min(weightMin, v.weightMin());
            weightMax = Math.max(weightMax, v.weightMax());
            capped += v.capped();
        }

        /** The logged values; a batch without counted tokens logs weights of 1 and no difference. */
        public Logged logged() {
            if (tokens <= 0) {
                return new Logged(0, 0, 1, 1, 1, 0);
            }
            return new Logged(deltaSum / tokens, deltaMax, weightMin, weightSum / tokens, weightMax, capped / tokens);
        }
    }

    /**
     * What a step logs.
     *
     * @param deltaMean mean {@code |logp_old - logp_server|} over counted tokens
     * @param deltaMax largest {@code |logp_old - logp_server|}
     * @param weightMin smallest truncated weight
     * @param weightMean mean truncated weight
     * @param weightMax largest truncated weight
     * @param cappedFrac share of counted tokens whose weight was cut to the cap
     */
    public record Logged(double deltaMean, double deltaMax, double weightMin, double weightMean, double weightMax,
            double cappedFrac) {
    }
}
