package dev.semgrpo.chart;

import dev.semgrpo.chart.Axes.YLabels;
import dev.semgrpo.chart.Style.Series;
import java.awt.Color;
import java.awt.FontMetrics;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;

/**
 * One metric against the step (a training curve): the raw points as a thin light line, the smoothed curve over
 * them as a strong line ({@link #ema}, weight {@value #SMOOTHING}, TensorBoard's default), round ticks on both axes
 * and a labelled y axis (the metric's name and unit). A metric that never changes is not drawn as a flat line: the
 * plot says "constant at V over N steps" ({@link #constantNote}). Its CSV has the columns
 * {@code X_NAME,Y_NAME,smoothed}, one row per point.
 */
public final class LineChart {
    /** Size of a line chart. */
    public static final int WIDTH = 640;
    /** Size of a line chart. */
    public static final int HEIGHT = 400;
    /** The smoothing weight of the drawn curve (TensorBoard's default slider value). */
    public static final double SMOOTHING = 0.6;
    /** The CSV column of the smoothed values. */
    public static final String SMOOTHED = "smoothed";

    private static final int RIGHT = WIDTH - 20;
    private static final int TOP = 52;
    private static final int BOTTOM = HEIGHT - 52;

    private LineChart() {
    }

    /** A point of the line. */
    public record Point(double x, double y) {
    }

    /** {@link #render(String, String, String, String, List)} with the y values' column as the y axis' label. */
    public static Rendered render(String title, String xName, String yName, List<Point> points) throws IOException {
        return render(title, xName, yName, yName, points);
    }

    /**
     * The chart of {@code points} (finite values, in the order given, at least one).
     *
     * @param title the chart's title
     * @param xName the x axis' label and CSV column
     * @param yName the y values' CSV column
     * @param yLabel the y axis' label: the metric's name and unit, e.g. {@code "kl (nats per token)"}
     * @param points the points
     */
    public static Rendered render(String title, String xName, String yName, String yLabel, List<Point> points)
            throws IOException {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("a line chart needs at least one point ('" + title + "')");
        }
        double[] y = points.stream().mapToDouble(Point::y).toArray();
        double[] smooth = ema(y, SMOOTHING);
        Csv csv = new Csv(xName, yName, SMOOTHED);
        for (int i = 0; i < points.size(); i++) {
            csv.row(Csv.number(points.get(i).x()), Csv.number(y[i]), Csv.number(smooth[i]));
        }
        String constant = constantNote(points, xName);

        Canvas c = new Canvas(WIDTH, HEIGHT);
        c.g.setFont(Style.SMALL_TITLE);
        c.g.setColor(Color.BLACK);
        c.g.drawString(c.fit(title, WIDTH - 20), 10, 22);
        double x0 = points.stream().mapToDouble(Point::x).min().orElseThrow();
        double x1 = points.stream().mapToDouble(Point::x).max().orElseThrow();
        double y0 = points.stream().mapToDouble(Point::y).min().orElseThrow();
        double y1 = points.stream().mapToDouble(Point::y).max().orElseThrow();
        double pad = (y1 - y0) * 0.04; // a point on the extreme tick would touch the frame
        // padded, but a metric that is never negative gets no axis below 0
        double[] yt = Ticks.nice(y0 >= 0 ? Math.max(0, y0 - pad) : y0 - pad, y1 + pad);
        double[] xt = Ticks.nice(x0, x1, 1);
        // a constant metric has no scale to show: no y ticks behind its text
        List<String> yLabels = constant != null ? List.of() : Ticks.labels(yt);
        c.g.setFont(Style.TICK);
        FontMetrics fm = c.g.getFontMetrics();
        int widest = 0;
        for (String l : yLabels) {
            widest = Math.max(widest, fm.stringWidth(l));
        }
        int left = 8 + 16 + 6 + widest + 6; // margin, the axis label's line, gap, tick labels, gap
        Scale xs = new Scale(xt[0], xt[xt.length - 1], left, RIGHT);
        Scale ys = new Scale(yt[0], yt[yt.length - 1], BOTTOM, TOP);
        if (constant == null) {
            Axes.yGrid(c, Ticks.at(yt, ys), left, RIGHT, YLabels.BESIDE_AXIS);
        }
        Axes.xGrid(c, Ticks.at(xt, xs), TOP, BOTTOM);
        Axes.frame(c, left, TOP, RIGHT, BOTTOM);
        c.g.setFont(Style.LABEL);
        c.g.setColor(Color.BLACK);
        c.centered(xName, (left + RIGHT) / 2, HEIGHT - 12);
        c.vertical(c.fit(yLabel, BOTTOM - TOP), 8 + 12, (TOP + BOTTOM) / 2);

        Color line = Style.color(1);
        if (constant != null) {
            c.g.setFont(Style.PANEL_TITLE);
            FontMetrics bold = c.g.getFontMetrics();
            int w = bold.stringWidth(constant) + 24;
            int cy = (TOP + BOTTOM) / 2 - 30;
            c.g.setColor(Color.WHITE);
            c.g.fillRect((left + RIGHT - w) / 2, cy - bold.getAscent() - 8, w, bold.getHeight() + 16);
            c.g.setColor(Style.AXIS);
            c.g.drawRect((left + RIGHT - w) / 2, cy - bold.getAscent() - 8, w, bold.getHeight() + 16);
            c.centered(constant, (left + RIGHT) / 2, cy);
            return new Rendered(c.png(), csv.text());
        }
        int[] px = new int[points.size()];
        int[] py = new int[points.size()];
        int[] sy = new int[points.size()];
        for (int i = 0; i < points.size(); i++) {
            px[i] = xs.pixel(points.get(i).x());
            py[i] = ys.pixel(y[i]);
            sy[i] = ys.pixel(smooth[i]);
        }
        c.g.setColor(new Color(line.getRed(), line.getGreen(), line.getBlue(), 90));
        c.stroked(1f, () -> c.lineWithPoints(px, py));
        c.g.setColor(line);
        c.stroked(2.2f, () -> {
            for (int i = 1; i < px.length; i++) {
                c.g.drawLine(px[i - 1], sy[i - 1], px[i], sy[i]);
            }
        });
        c.g.setFont(Style.TICK);
        Legend.inline(c, List.of(new Series("raw", new Color(line.getRed(), line.getGreen(), line.getBlue(), 90)),
                new Series("smoothed (EMA, weight " + SMOOTHING + ", debiased as in TensorBoard)", line)), left,
                TOP - 10);
        return new Rendered(c.png(), csv.text());
    }

    /**
     * TensorBoard's scalar smoothing: an exponential moving average {@code m_i = w m_(i-1) + (1 - w) y_i} from
     * {@code m_0 = 0}, divided by {@code 1 - w^i} so that the first values are not pulled towards 0 (the debiased
     * EMA TensorBoard draws since 2019). {@code w = 0} returns the values themselves.
     *
     * @param y the raw values, in step order (finite)
     * @param weight the smoothing weight w in [0, 1)
     * @return the smoothed values, one per raw value
     */
    public static double[] ema(double[] y, double weight) {
        if (!(weight >= 0 && weight < 1)) {
            throw new IllegalArgumentException("smoothing weight must be in [0, 1), found " + weight);
        }
        double[] out = new double[y.length];
        double last = 0;
        double decay = 1;
        for (int i = 0; i < y.length; i++) {
            last = last * weight + (1 - weight) * y[i];
            decay *= weight;
            out[i] = last / (1 - decay);
        }
        return out;
    }

    /**
     * What the chart says instead of a line when every point has the same value, e.g.
     * {@code "constant at 0 over 12 steps (1 to 12)"}; null when the values vary (or there are fewer than two).
     *
     * @param points the points
     * @param xName what the x values count (the plural is made by adding "s": "step" gives "steps")
     */
    public static String constantNote(List<Point> points, String xName) {
        if (points.size() < 2) {
            return null;
        }
        double v = points.get(0).y();
        for (Point p : points) {
            if (p.y() != v) {
                return null;
            }
        }
        return "constant at " + plain(v) + " over " + points.size() + " " + xName + "s (" + plain(points.get(0).x())
                + " to " + plain(points.get(points.size() - 1).x()) + ")";
    }

    /** Six significant digits, no trailing zeros, no exponent for everyday magnitudes. */
    private static String plain(double v) {
        if (v == 0) {
            return "0";
        }
        BigDecimal d = new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros();
        return Math.abs(v) >= 1e-4 && Math.abs(v) < 1e9 ? d.toPlainString() : d.toString();
    }
}
