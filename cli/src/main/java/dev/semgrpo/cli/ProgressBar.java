package dev.semgrpo.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on stderr: label, bar, done/total, rate and ETA. */
final class ProgressBar {
    private final String label;
    private long total;
    private final String unit;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private long lastPrint;

    ProgressBar(String label, long total, String unit) {
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.out = System.err;
    }

    /** Changes the total (when it is known only once work starts). */
    void total(long newTotal) {
        this.total = newTotal;
    }

    void update(long done) {
        update(done, "");
    }

    /** Updates with a note shown after the bar (e.g. the live reward). */
    void update(long done, String note) {
        long now = System.nanoTime();
        if (done < total && now - lastPrint < 200_000_000L) {
            return;
        }
        lastPrint = now;
        double secs = (now - start) / 1e9;
        double rate = done / Math.max(secs, 1e-9);
        int width = 30;
        int filled = total == 0 ? width : (int) (width * done / total);
        String eta = done == 0 ? "?" : String.format(Locale.ROOT, "%.0fs", (total - done) / Math.max(rate, 1e-9));
        out.printf(Locale.ROOT, "\r%s [%s%s] %d/%d %s %.2f/s ETA %s %s   ", label, "#".repeat(filled),
                ".".repeat(width - filled), done, total, unit, rate, eta, note);
        if (done >= total) {
            out.printf(Locale.ROOT, "%n");
        }
        out.flush();
    }
}
