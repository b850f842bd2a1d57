package dev.semgrpo.chart;

import dev.semgrpo.chart.Axes.YLabels;
import dev.semgrpo.chart.Style.Series;
import java.awt.Color;
import java.awt.geom.Path2D;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Overlaid empirical CDFs, one curve per series, over an x range the caller chooses (values beyond it are cut off
 * the picture), with a legend box in the lower right corner. Its CSV has the columns {@code SERIES,value,fraction}:
 * for each series and each distinct value, the fraction of the series' values at or below it (the steps of the
 * curve, over all values, also those beyond the x range).
 */
public final class EcdfChart {
    /** Size of an ECDF chart. */
    public static final int WIDTH = 820;
    /** Size of an ECDF chart. */
    public static final int HEIGHT = 500;

    private static final int LEFT = 74;
    private static final int RIGHT = WIDTH - 24;
    private static final int TOP = 50;
    private static final int BOTTOM = HEIGHT - 60;

    private EcdfChart() {
    }

    /**
     * One curve.
     *
     * @param series the series' name (CSV) and colour
     * @param sorted its finite values, ascending (empty: no curve, only the legend line)
     * @param legend its line in the legend box
     */
    public record Curve(Series series, double[] sorted, String legend) {
    }

    /**
     * The chart.
     *
     * @param title the chart's title
     * @param xLabel the x axis' label
     * @param yLabel the y axis' label
     * @param seriesColumn the CSV column that names the series (e.g. {@code model})
     * @param curves the curves, drawn in order
     * @param xMin the x axis' smallest value
     * @param xMax the x axis' largest value (when not above {@code xMin}, the axis spans xMin - 1 to xMin + 1, or
     *     0 to 2 when xMin is not finite)
     */
    public static Rendered render(String title, String xLabel, String yLabel, String seriesColumn,
            List<Curve> curves, double xMin, double xMax) throws IOException {
        double min = xMin;
        double max = xMax;
        if (!(min < max)) {
            min = Double.isFinite(min) ? min - 1 : 0;
            max = min + 2;
        }
        Canvas c = new Canvas(WIDTH, HEIGHT);
        c.g.setFont(Style.TITLE);
        c.g.setColor(Color.BLACK);
        c.centered(c.fit(title, WIDTH - 20), WIDTH / 2, 28);
        double[] xt = Ticks.nice(min, max);
        Scale xs = new Scale(xt[0], xt[xt.length - 1], LEFT, RIGHT);
        Scale ys = new Scale(0, 1, BOTTOM, TOP);
        Axes.xGrid(c, Ticks.at(xt, xs), TOP, BOTTOM);
        Axes.yGrid(c, Ticks.at(new double[] {0, 0.2, 0.4, 0.6, 0.8, 1}, ys), LEFT, RIGHT, YLabels.BESIDE_AXIS);
        Axes.frame(c, LEFT, TOP, RIGHT, BOTTOM);
        c.g.setFont(Style.LABEL);
        c.centered(xLabel, (LEFT + RIGHT) / 2, BOTTOM + 40);
        c.vertical(yLabel, 20, (TOP + BOTTOM) / 2);

        c.g.setClip(LEFT, TOP, RIGHT - LEFT + 1, BOTTOM - TOP + 1);
        c.stroked(2f, () -> {
            for (Curve curve : curves) {
                if (curve.sorted().length > 0) {
                    c.g.setColor(curve.series().color());
                    c.g.draw(path(curve.sorted(), xs, ys));
                }
            }
        });
        c.g.setClip(null);
        c.g.setFont(Style.LABEL);
        List<Series> legend = new ArrayList<>();
        Csv csv = new Csv(seriesColumn, "value", "fraction");
        for (Curve curve : curves) {
            legend.add(new Series(curve.legend(), curve.series().color()));
            double[] d = curve.sorted();
            for (int i = 0; i < d.length; i++) {
                if (i + 1 == d.length || d[i + 1] != d[i]) {
                    csv.row(curve.series().name(), Csv.number(d[i]), Csv.number((double) (i + 1) / d.length));
                }
            }
        }
        Legend.box(c, legend, RIGHT - 8, BOTTOM - 8);
        return new Rendered(c.png(), csv.text());
    }

    /** The curve sampled at every pixel column of the plot area. */
    private static Path2D.Double path(double[] sorted, Scale xs, Scale ys) {
        Path2D.Double path = new Path2D.Double();
        for (int px = LEFT; px <= RIGHT; px++) {
            double py = ys.map((double) upperBound(sorted, xs.inverse(px)) / sorted.length);
            if (px == LEFT) {
                path.moveTo(px, py);
            } else {
                path.lineTo(px, py);
            }
        }
        return path;
    }

    /** The number of values {@code <= x}. */
    private static int upperBound(double[] sorted, double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
