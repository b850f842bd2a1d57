package dev.semgrpo.chart;

/** Linear map from data values {@code [d0, d1]} to pixels {@code [p0, p1]} (p1 < p0 for a y axis). */
record Scale(double d0, double d1, double p0, double p1) {
    double map(double v) {
        return p0 + (v - d0) / (d1 - d0) * (p1 - p0);
    }

    /** The pixel of {@code v}, rounded to the nearest. */
    int pixel(double v) {
        return (int) Math.round(map(v));
    }

    /** The pixel of {@code v}, the offset from {@code p0} truncated (whole pixels from the start of the axis). */
    int truncated(double v) {
        return (int) p0 + (int) ((v - d0) / (d1 - d0) * (p1 - p0));
    }

    double inverse(double p) {
        return d0 + (p - p0) / (p1 - p0) * (d1 - d0);
    }
}
