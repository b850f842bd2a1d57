package dev.semgrpo.chart;

import dev.semgrpo.chart.Axes.YLabels;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * One series of points joined by a line, each point marked (a training metric against the step): five evenly spaced
 * y ticks, the first and last x under the axis. Its CSV has the columns {@code X_NAME,Y_NAME}, one row per point.
 */
public final class LineChart {
    /** Size of a line chart. */
    public static final int WIDTH = 640;
    /** Size of a line chart. */
    public static final int HEIGHT = 400;

    private static final int LEFT = 70;
    private static final int RIGHT = WIDTH - 20;
    private static final int TOP = 40;
    private static final int BOTTOM = HEIGHT - 50;

    private LineChart() {
    }

    /** A point of the line. */
    public record Point(double x, double y) {
    }

    /**
     * The line through {@code points} (finite values, in the order given, at least one).
     *
     * @param title the chart's title
     * @param xName the x axis' label and CSV column
     * @param yName the y values' CSV column
     * @param points the points
     */
    public static Rendered render(String title, String xName, String yName, List<Point> points) throws IOException {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("a line chart needs at least one point ('" + title + "')");
        }
        Canvas c = new Canvas(WIDTH, HEIGHT);
        double x0 = points.stream().mapToDouble(Point::x).min().orElseThrow();
        double x1 = points.stream().mapToDouble(Point::x).max().orElseThrow();
        double y0 = points.stream().mapToDouble(Point::y).min().orElseThrow();
        double y1 = points.stream().mapToDouble(Point::y).max().orElseThrow();
        if (x1 == x0) {
            x1 = x0 + 1;
        }
        if (y1 == y0) {
            y0 -= 0.5;
            y1 += 0.5;
        }
        double pad = (y1 - y0) * 0.05;
        y0 -= pad;
        y1 += pad;
        Axes.yGrid(c, Ticks.even(y0, y1, TOP, BOTTOM, 4), LEFT, RIGHT, YLabels.AT_EDGE);
        Axes.frame(c, LEFT, TOP, RIGHT, BOTTOM);
        c.g.drawString(String.format(Locale.ROOT, "%.0f", x0), LEFT, BOTTOM + 16);
        c.g.drawString(String.format(Locale.ROOT, "%.0f", x1), RIGHT - 30, BOTTOM + 16);
        c.g.drawString(xName, WIDTH / 2, HEIGHT - 12);
        c.g.setFont(Style.SMALL_TITLE);
        c.g.drawString(title, LEFT, 24);

        Scale xs = new Scale(x0, x1, LEFT, RIGHT);
        Scale ys = new Scale(y1, y0, TOP, BOTTOM);
        int[] px = new int[points.size()];
        int[] py = new int[points.size()];
        Csv csv = new Csv(xName, yName);
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            px[i] = xs.truncated(p.x());
            py[i] = ys.truncated(p.y());
            csv.row(Csv.number(p.x()), Csv.number(p.y()));
        }
        c.g.setColor(Style.color(1));
        c.stroked(2f, () -> c.lineWithPoints(px, py));
        return new Rendered(c.png(), csv.text());
    }
}
