package dev.semgrpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.Scalars;

/**
 * The GRPO objective per token: {@code -w min(r A, clip(r, 1 - eps, 1 + eps_high) A) + beta KL}, with
 * {@code r = exp(logp - old_logp)} and {@code w} the importance weight of server rollouts (1 for local ones),
 * aggregated by a {@link GrpoLoss}. Also returns the clip statistics TRL logs:
 * the share of tokens clipped low ({@code r < 1 - eps} with {@code A < 0}), high ({@code r > 1 + eps_high} with
 * {@code A > 0}), and either.
 */
public final class PolicyLoss {
    /**
     * @param loss the scalar to backpropagate
     * @param stats statistics over the counted tokens, detached, still on the device
     */
    public record Result(NDArray loss, Stats stats) {
    }

    /**
     * A micro-batch's statistics over its counted tokens, each a detached scalar on the device; {@link #pull()}
     * brings all five back in one transfer (one device sync), for logging.
     *
     * @param kl mean per-token KL estimate to the reference (0 when beta = 0)
     * @param clipLow share of tokens with {@code r < 1 - eps} and {@code A < 0}
     * @param clipHigh share of tokens with {@code r > 1 + eps_high} and {@code A > 0}
     * @param clipRegion share of tokens clipped either way
     * @param ratioMean mean importance ratio {@code r}
     */
    public record Stats(NDArray kl, NDArray clipLow, NDArray clipHigh, NDArray clipRegion, NDArray ratioMean) {
        /** The five values on the host, in one transfer. */
        public Values pull() {
            float[] v = NDArrays.stack(new NDList(kl, clipLow, clipHigh, clipRegion, ratioMean)).toFloatArray();
            return new Values(v[0], v[1], v[2], v[3], v[4]);
        }
    }

    /** {@link Stats} on the host, as pulled (float32). */
    public record Values(float kl, float clipLow, float clipHigh, float clipRegion, float ratioMean) {
    }

    private PolicyLoss() {
    }

    /**
     * @param logp (B, T) policy log-probs (with gradient)
     * @param oldLogp (B, T) log-probs at generation time, or null to use {@code logp} detached (ratio 1, mu = 1)
     * @param refLogp (B, T) reference log-probs, or null when beta = 0
     * @param advantages (B) one per completion
     * @param mask (B, T) 1 for counted tokens
     * @param isWeights (B, T) truncated importance weights of rollouts sampled by a server
     *     ({@link ImportanceSampling}), multiplying the policy term only, or null
     */
    public static Result compute(NDArray logp, NDArray oldLogp, NDArray refLogp, NDArray advantages, NDArray mask,
            NDArray isWeights, double eps, double epsHigh, double beta, KlEstimator kl, GrpoLoss type,
            int maxCompletionLength, long batchTokens) {
        NDArray old = oldLogp != null ? oldLogp : logp.stopGradient();
        NDArray ratio = logp.sub(old).exp();
        NDArray clipped = ratio.clip((float) (1 - eps), (float) (1 + epsHigh));
        NDArray a = advantages.reshape(-1, 1);
        NDArray perToken = NDArrays.minimum(ratio.mul(a), clipped.mul(a)).neg();
        if (isWeights != null) {
            perToken = perToken.mul(isWeights);
        }
        NDArray klTok = null;
        if (beta != 0) {
            klTok = kl.apply(logp, refLogp);
            perToken = perToken.add(Scalars.mul(klTok, (float) beta));
        }
        NDArray loss = type.aggregate(perToken, mask, maxCompletionLength, batchTokens);
        NDArray r = ratio.stopGradient();
        NDArray count = mask.sum().maximum(1f);
        NDArray low = r.lt((float) (1 - eps)).logicalAnd(a.lt(0f)).toType(DataType.FLOAT32, false).mul(mask);
        NDArray high = r.gt((float) (1 + epsHigh)).logicalAnd(a.gt(0f)).toType(DataType.FLOAT32, false).mul(mask);
        NDArray klMean = klTok == null ? count.zerosLike() : klTok.stopGradient().mul(mask).sum().div(count);
        return new Result(loss, new Stats(klMean, low.sum().div(count), high.sum().div(count),
                low.add(high).sum().div(count), r.mul(mask).sum().div(count)));
    }
}
