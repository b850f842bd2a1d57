package dev.semgrpo.model.optim;

/**
 * Learning-rate schedules as pure functions, exactly as transformers defines them ({@code optimization.py}), so that
 * curves line up with TRL runs. {@code step} is the 0-based optimizer step: transformers' {@code LambdaLR} starts at
 * {@code lambda(0)} and {@code scheduler.step()} runs after {@code optimizer.step()}, so optimizer step {@code k} uses
 * {@code lr * lambda(k)}. Warmup therefore starts from 0 at step 0 and reaches the peak at step {@code warmup}.
 */
public final class Schedules {
    private Schedules() {
    }

    /**
     * Warmup steps from a ratio, as transformers' {@code TrainingArguments.get_warmup_steps}:
     * {@code ceil(total * ratio)}, in the same double arithmetic as Python (so {@code 100 * 0.07} rounds up to 8 there
     * and here alike).
     */
    public static long warmupSteps(long total, double ratio) {
        if (total < 0 || !(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("warmup needs total >= 0 and 0 <= ratio <= 1, found total=" + total
                    + ", ratio=" + ratio);
        }
        return (long) Math.ceil(total * ratio);
    }

    /** {@code get_constant_schedule}: {@code lr} at every step, no warmup. */
    public static double constant(long step, double lr) {
        checkStep(step);
        return lr;
    }

    /** {@code get_constant_schedule_with_warmup}: {@code lr * step / max(1, warmup)} while {@code step < warmup}. */
    public static double constantWithWarmup(long step, long warmup, double lr) {
        checkStep(step);
        if (step < warmup) {
            return lr * warmupFactor(step, warmup);
        }
        return lr;
    }

    /**
     * {@code get_linear_schedule_with_warmup}: warmup as above, then
     * {@code lr * max(0, (total - step) / max(1, total - warmup))}.
     */
    public static double linear(long step, long warmup, long total, double lr) {
        checkStep(step);
        if (step < warmup) {
            return lr * warmupFactor(step, warmup);
        }
        return lr * Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
    }

    /**
     * {@code get_cosine_schedule_with_warmup} with {@code num_cycles = 0.5}: warmup as above, then
     * {@code lr * max(0, 0.5 * (1 + cos(pi * 2 * 0.5 * progress)))} with
     * {@code progress = (step - warmup) / max(1, total - warmup)}. Like transformers it is not clamped past
     * {@code total} (a trainer never asks for those steps).
     */
    public static double cosine(long step, long warmup, long total, double lr) {
        checkStep(step);
        if (step < warmup) {
            return lr * warmupFactor(step, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return lr * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
    }

    private static double warmupFactor(long step, long warmup) {
        return (double) step / Math.max(1, warmup);
    }

    private static void checkStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("optimizer steps count from 0, found step " + step);
        }
    }
}
