package dev.semgrpo.eval.report;

/**
 * How the report resamples.
 *
 * @param seed seed of the bootstrap draws (each task derives its own from it and its name)
 * @param resamples bootstrap replicates B, at least 10 (default 1000)
 * @param confidence confidence level of the percentile intervals, in (0, 1) (default 0.95)
 */
public record ReportOptions(long seed, int resamples, double confidence) {
    /** Default number of bootstrap replicates. */
    public static final int DEFAULT_RESAMPLES = 1000;
    /** Default confidence level. */
    public static final double DEFAULT_CONFIDENCE = 0.95;

    public ReportOptions {
        if (resamples < 10) {
            throw new IllegalArgumentException("bootstrap resamples must be >= 10, found " + resamples
                    + "; use 1000 or more for a report");
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), found " + confidence
                    + "; e.g. 0.95");
        }
    }

    /** B = 1000, 95% intervals, with the given seed. */
    public static ReportOptions defaults(long seed) {
        return new ReportOptions(seed, DEFAULT_RESAMPLES, DEFAULT_CONFIDENCE);
    }
}
