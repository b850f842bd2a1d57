package dev.semgrpo.trainer.grpo;

import java.util.Locale;

/**
 * Group-relative advantages, as TRL computes them: {@code A_i = r_i - mean(group(i))}, then divided by
 * {@code std + 1e-4} with the std (Bessel-corrected) of the group ({@code group}), of the whole batch
 * ({@code batch}), or not at all ({@code none}, Dr. GRPO). Rewards arrive on the host from the reward functions,
 * so this runs on the host and the result is uploaded once.
 */
public final class Advantages {
    /** How advantages are scaled. */
    public enum Scale {
        GROUP,
        BATCH,
        NONE;

        public static Scale parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("scale_rewards must be group, batch or none, found '" + s + "'");
            }
        }
    }

    /**
     * @param advantages one per completion
     * @param groupStd std of each group's rewards
     * @param fracZeroStd share of groups whose rewards are all (nearly) equal: they carry no signal
     */
    public record Result(float[] advantages, float[] groupStd, double fracZeroStd) {
    }

    private Advantages() {
    }

    /**
     * @param rewards one per completion, groups of {@code g} consecutive completions
     * @param eps added to the std before dividing (TRL: 1e-4)
     */
    public static Result compute(float[] rewards, int g, Scale scale, double eps) {
        if (g < 2) {
            throw new IllegalArgumentException("num_generations must be >= 2 for group-relative advantages, found " + g);
        }
        if (rewards.length % g != 0) {
            throw new IllegalArgumentException(rewards.length + " rewards do not split into groups of " + g);
        }
        int groups = rewards.length / g;
        float[] adv = new float[rewards.length];
        float[] stds = new float[groups];
        int zero = 0;
        double batchStd = std(rewards, 0, rewards.length);
        for (int k = 0; k < groups; k++) {
            double mean = 0;
            for (int i = 0; i < g; i++) {
                mean += rewards[k * g + i];
            }
            mean /= g;
            double sd = std(rewards, k * g, g);
            stds[k] = (float) sd;
            if (sd <= 1e-8) { // torch.isclose(std, 0) with its default atol
                zero++;
            }
            double div = switch (scale) {
                case GROUP -> sd + eps;
                case BATCH -> batchStd + eps;
                case NONE -> 1.0;
            };
            for (int i = 0; i < g; i++) {
                adv[k * g + i] = (float) ((rewards[k * g + i] - mean) / div);
            }
        }
        return new Result(adv, stds, (double) zero / groups);
    }

    /** Unbiased (n - 1) standard deviation of {@code n} values from {@code start}. */
    static double std(float[] v, int start, int n) {
        if (n < 2) {
            return 0;
        }
        double mean = 0;
        for (int i = start; i < start + n; i++) {
            mean += v[i];
        }
        mean /= n;
        double ss = 0;
        for (int i = start; i < start + n; i++) {
            ss += (v[i] - mean) * (v[i] - mean);
        }
        return Math.sqrt(ss / (n - 1));
    }
}
