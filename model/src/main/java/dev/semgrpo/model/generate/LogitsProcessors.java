package dev.semgrpo.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Pure functions on a (rows, vocab) FP32 logits array, all on the device. Removed tokens get {@code -inf}. Each
 * returns a new array; inputs are not modified.
 */
public final class LogitsProcessors {
    private LogitsProcessors() {
    }

    /**
     * CTRL repetition penalty: where {@code presence} is 1, positive logits are divided by {@code penalty} and
     * negative ones multiplied by it.
     */
    public static NDArray repetitionPenalty(NDArray logits, NDArray presence, float penalty) {
        NDArray positive = logits.gt(0).toType(DataType.FLOAT32, false);
        NDArray factor = positive.mul(1f / penalty).add(positive.neg().add(1f).mul(penalty)); // 1/p or p
        NDArray scale = presence.mul(factor.sub(1f)).add(1f); // 1 where absent
        return logits.mul(scale);
    }

    /** Keeps the k largest logits per row (ties with the k-th are kept). */
    public static NDArray topK(NDArray logits, int k) {
        long vocab = logits.getShape().get(1);
        if (k <= 0 || k >= vocab) {
            return logits;
        }
        NDArray kth = logits.topK(k, -1, true, true).get(0).get(":, -1:"); // (rows, 1)
        NDArray out = logits.duplicate();
        out.set(logits.lt(kth), Float.NEGATIVE_INFINITY);
        return out;
    }

    /**
     * Nucleus filtering: keeps the most likely tokens whose cumulative probability first reaches {@code p}
     * (at least one; ties with the smallest kept probability are kept).
     */
    public static NDArray topP(NDArray logits, double p) {
        if (p >= 1) {
            return logits;
        }
        NDArray probs = logits.softmax(-1);
        NDArray ascending = probs.sort(-1);
        NDArray cumulative = ascending.cumSum(-1);
        // ascending order: a token is removed when the mass at or below it is <= 1 - p
        NDArray removed = cumulative.lte((float) (1 - p));
        NDArray kept = ascending.duplicate();
        kept.set(removed, Float.POSITIVE_INFINITY);
        NDArray cutoff = kept.min(new int[] {-1}, true); // smallest kept probability, (rows, 1)
        NDArray out = logits.duplicate();
        out.set(probs.lt(cutoff), Float.NEGATIVE_INFINITY);
        return out;
    }

    /** Drops tokens whose probability is below {@code minP} times the row's top probability. */
    public static NDArray minP(NDArray logits, double minP) {
        if (minP <= 0) {
            return logits;
        }
        NDArray probs = logits.softmax(-1);
        NDArray threshold = probs.max(new int[] {-1}, true).mul((float) minP);
        NDArray out = logits.duplicate();
        out.set(probs.lt(threshold), Float.NEGATIVE_INFINITY);
        return out;
    }

    /** All of the above in transformers' order; returns the logits the token is drawn from. */
    public static NDArray apply(NDArray logits, SamplingParams p, NDArray presence) {
        NDArray x = logits;
        if (presence != null && p.repetitionPenalty() != 1.0) {
            x = repetitionPenalty(x, presence, (float) p.repetitionPenalty());
        }
        if (p.greedy()) {
            return x;
        }
        if (p.temperature() != 1.0) {
            x = x.div((float) p.temperature());
        }
        x = topK(x, p.topK());
        x = topP(x, p.topP());
        return minP(x, p.minP());
    }

    /**
     * Inverse-CDF draw, one uniform per row: the first token whose cumulative probability reaches {@code u}.
     * {@code u} (rows, 1) must lie in (0, 1). Tokens with probability 0 are never drawn.
     *
     * @return token ids (rows) int64
     */
    public static NDArray sample(NDArray logProbs, NDArray u) {
        NDArray cdf = logProbs.exp().cumSum(-1);
        NDArray total = cdf.get(":, -1:");
        long vocab = logProbs.getShape().get(1);
        return cdf.lt(u.mul(total)).sum(new int[] {-1}).toType(DataType.INT64, false).minimum(vocab - 1);
    }
}
