package dev.semgrpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.Scalars;

/**
 * The GRPO objective per token: {@code -min(r A, clip(r, 1 - eps, 1 + eps_high) A) + beta KL}, with
 * {@code r = exp(logp - old_logp)}, aggregated by a {@link GrpoLoss}. Also returns the clip statistics TRL logs:
 * the share of tokens clipped low ({@code r < 1 - eps} with {@code A < 0}), high ({@code r > 1 + eps_high} with
 * {@code A > 0}), and either.
 */
public final class PolicyLoss {
    /**
     * @param loss the scalar to backpropagate
     * @param stats (5) mean KL, clip low, clip high, clip region, mean ratio; over counted tokens, detached
     */
    public record Result(NDArray loss, NDArray stats) {
    }

    private PolicyLoss() {
    }

    /**
     * @param logp (B, T) policy log-probs (with gradient)
     * @param oldLogp (B, T) log-probs at generation time, or null to use {@code logp} detached (ratio 1, mu = 1)
     * @param refLogp (B, T) reference log-probs, or null when beta = 0
     * @param advantages (B) one per completion
     * @param mask (B, T) 1 for counted tokens
     */
    public static Result compute(NDArray logp, NDArray oldLogp, NDArray refLogp, NDArray advantages, NDArray mask,
            double eps, double epsHigh, double beta, KlEstimator kl, GrpoLoss type, int maxCompletionLength,
            long batchTokens) {
        NDArray old = oldLogp != null ? oldLogp : logp.stopGradient();
        NDArray ratio = logp.sub(old).exp();
        NDArray clipped = ratio.clip((float) (1 - eps), (float) (1 + epsHigh));
        NDArray a = advantages.reshape(-1, 1);
        NDArray perToken = NDArrays.minimum(ratio.mul(a), clipped.mul(a)).neg();
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
        NDArray stats = NDArrays.stack(new ai.djl.ndarray.NDList(klMean, low.sum().div(count), high.sum().div(count),
                low.add(high).sum().div(count), r.mul(mask).sum().div(count)));
        return new Result(loss, stats);
    }
}
