package dev.semgrpo.model.optim;

/** Learning-rate schedules as pure functions of the step (0-based), as transformers defines them. */
public final class Schedules {
    private Schedules() {
    }

    /** Linear warmup over {@code warmup} steps, then linear decay to 0 at {@code total}. */
    public static double linear(long step, long warmup, long total, double lr) {
        if (step < warmup) {
            return lr * (step + 1) / Math.max(1, warmup);
        }
        return lr * Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
    }

    /** Linear warmup, then half a cosine down to 0 at {@code total}. */
    public static double cosine(long step, long warmup, long total, double lr) {
        if (step < warmup) {
            return lr * (step + 1) / Math.max(1, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return lr * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    }
}
