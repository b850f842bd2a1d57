package dev.semgrpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import dev.semgrpo.model.Scalars;
import java.util.Locale;

/**
 * Per-token estimators of KL(policy || reference) from samples of the policy, with {@code d = ref - logp}:
 * k1 = -d, k2 = d^2 / 2, k3 = exp(d) - d - 1 (unbiased, always >= 0; TRL's choice). All are 0 when the policy
 * equals the reference.
 */
public enum KlEstimator {
    K1,
    K2,
    K3;

    public static KlEstimator parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kl_estimator must be k1, k2 or k3, found '" + s + "'");
        }
    }

    /** Per-token estimate from (B, T) log-probs of the policy and the reference. */
    public NDArray apply(NDArray logp, NDArray refLogp) {
        NDArray d = refLogp.sub(logp);
        return switch (this) {
            case K1 -> d.neg();
            case K2 -> Scalars.mul(d.square(), 0.5f);
            case K3 -> d.exp().sub(d).sub(1f);
        };
    }

    /** Scalar form, for tests and logging. */
    public double apply(double logp, double refLogp) {
        double d = refLogp - logp;
        return switch (this) {
            case K1 -> -d;
            case K2 -> 0.5 * d * d;
            case K3 -> Math.exp(d) - d - 1;
        };
    }
}
