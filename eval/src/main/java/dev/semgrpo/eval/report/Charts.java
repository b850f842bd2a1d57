package dev.semgrpo.eval.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Report charts drawn with AWT in headless mode: panels of bars with interval whiskers (a task's primary metric
 * per model; changes against the base with a zero line) and overlaid ECDFs of per-token values. Colours follow
 * the series' position, so a model keeps its colour across charts.
 */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Width of one bar panel. */
    public static final int PANEL_WIDTH = 380;
    /** Height of one bar panel. */
    public static final int PANEL_HEIGHT = 290;
    /** Height of a panel chart's title and legend. */
    public static final int HEADER_HEIGHT = 76;
    /** Panels per row. */
    public static final int COLUMNS = 3;
    /** Smallest width of a panel chart (room for title and legend). */
    public static final int MIN_WIDTH = 560;
    /** Size of an ECDF chart. */
    public static final int ECDF_WIDTH = 820;
    /** Size of an ECDF chart. */
    public static final int ECDF_HEIGHT = 500;

    private static final Color[] PALETTE = {
        new Color(0x7f7f7f), new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)
    };
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
    private static final Font PANEL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Color GRID = new Color(0xe6e6e6);

    private Charts() {
    }

    /**
     * One panel of bars: one bar per series (NaN value = no bar), each with its interval as a whisker.
     *
     * @param title the panel's title (task and metric)
     * @param yLabel the y axis' label (the metric and its direction)
     * @param values per series
     * @param lo lower interval ends per series
     * @param hi upper interval ends per series
     */
    public record Panel(String title, String yLabel, double[] values, double[] lo, double[] hi) {
    }

    /** The colour of series {@code index} (0 = the base run). */
    public static Color color(int index) {
        return PALETTE[index % PALETTE.length];
    }

    /** Size of a panel chart with {@code panels} panels: {@link #COLUMNS} per row under a header. */
    public static Dimension panelsSize(int panels) {
        int cols = Math.max(1, Math.min(COLUMNS, panels));
        int rows = Math.max(1, (panels + cols - 1) / cols);
        return new Dimension(Math.max(MIN_WIDTH, cols * PANEL_WIDTH), HEADER_HEIGHT + rows * PANEL_HEIGHT);
    }

    /**
     * Bar panels with whiskers under a title and a legend of the series.
     *
     * @param title the chart's title
     * @param series the series' names (models), in colour order
     * @param colors one colour per series
     * @param panels the panels, each with one value per series
     * @param zeroLine draw a strong line at y = 0 (for changes against the base)
     */
    public static BufferedImage panels(String title, List<String> series, List<Color> colors, List<Panel> panels,
            boolean zeroLine) {
        Dimension size = panelsSize(panels.size());
        BufferedImage img = new BufferedImage(size.width, size.height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = begin(img);
        g.setFont(TITLE);
        g.setColor(Color.BLACK);
        drawCentered(g, title, size.width / 2, 26);
        legend(g, series, colors, size.width / 2, 54);
        int cols = Math.max(1, Math.min(COLUMNS, panels.size()));
        for (int p = 0; p < panels.size(); p++) {
            int x = (p % cols) * PANEL_WIDTH;
            int y = HEADER_HEIGHT + (p / cols) * PANEL_HEIGHT;
            drawPanel(g, panels.get(p), series, colors, x, y, zeroLine);
        }
        g.dispose();
        return img;
    }

    private static void drawPanel(Graphics2D g, Panel panel, List<String> series, List<Color> colors, int x0,
            int y0, boolean zeroLine) {
        int left = x0 + 66;
        int right = x0 + PANEL_WIDTH - 16;
        int top = y0 + 30;
        int bottom = y0 + PANEL_HEIGHT - 40;
        g.setFont(PANEL_TITLE);
        g.setColor(Color.BLACK);
        drawCentered(g, fit(g, panel.title(), PANEL_WIDTH - 20), x0 + PANEL_WIDTH / 2, y0 + 18);

        double min = 0;
        double max = 0;
        for (int s = 0; s < panel.values().length; s++) {
            for (double v : new double[] {panel.values()[s], panel.lo()[s], panel.hi()[s]}) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        double[] ticks = ticks(min, max);
        double lo = ticks[0];
        double hi = ticks[ticks.length - 1];
        Scale ys = new Scale(lo, hi, bottom, top);
        g.setFont(TICK);
        FontMetrics fm = g.getFontMetrics();
        for (double t : ticks) {
            int yy = (int) Math.round(ys.map(t));
            g.setColor(GRID);
            g.drawLine(left, yy, right, yy);
            g.setColor(Color.DARK_GRAY);
            String label = tickLabel(t, ticks);
            g.drawString(label, left - 6 - fm.stringWidth(label), yy + fm.getAscent() / 2 - 1);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawLine(left, top, left, bottom);
        g.drawLine(left, bottom, right, bottom);
        g.setFont(LABEL);
        drawVertical(g, fit(g, panel.yLabel(), bottom - top), x0 + 16, (top + bottom) / 2);

        int n = series.size();
        double slot = (double) (right - left) / n;
        int barWidth = (int) Math.max(4, Math.min(60, slot * 0.64));
        int zeroY = (int) Math.round(ys.map(0));
        g.setFont(TICK);
        for (int s = 0; s < n; s++) {
            int cx = (int) Math.round(left + slot * (s + 0.5));
            g.setColor(Color.DARK_GRAY);
            drawCentered(g, fit(g, series.get(s), (int) slot - 4), cx, bottom + 16);
            double v = panel.values()[s];
            if (!Double.isFinite(v)) {
                g.setColor(Color.GRAY);
                drawCentered(g, "n/a", cx, zeroY - 4);
                continue;
            }
            int vy = (int) Math.round(ys.map(v));
            g.setColor(colors.get(s));
            g.fillRect(cx - barWidth / 2, Math.min(vy, zeroY), barWidth, Math.max(1, Math.abs(zeroY - vy)));
            double l = panel.lo()[s];
            double h = panel.hi()[s];
            if (Double.isFinite(l) && Double.isFinite(h)) {
                int ly = (int) Math.round(ys.map(l));
                int hy = (int) Math.round(ys.map(h));
                g.setColor(Color.BLACK);
                Stroke old = g.getStroke();
                g.setStroke(new BasicStroke(1.6f));
                g.drawLine(cx, ly, cx, hy);
                g.drawLine(cx - barWidth / 4, ly, cx + barWidth / 4, ly);
                g.drawLine(cx - barWidth / 4, hy, cx + barWidth / 4, hy);
                g.setStroke(old);
            }
        }
        if (zeroLine || lo < 0) {
            g.setColor(Color.BLACK);
            Stroke old = g.getStroke();
            g.setStroke(new BasicStroke(1.5f));
            g.drawLine(left, zeroY, right, zeroY);
            g.setStroke(old);
        }
    }

    /**
     * Overlaid empirical CDFs of per-token values, one curve per series; the x axis stops at the largest 99.5th
     * percentile so a long tail does not squash the curves.
     *
     * @param title the chart's title
     * @param xLabel the x axis' label (the per-token value's name)
     * @param series the series' names
     * @param colors one colour per series
     * @param values the pooled values of each series (at least one value each)
     */
    public static BufferedImage ecdf(String title, String xLabel, List<String> series, List<Color> colors,
            List<float[]> values) {
        BufferedImage img = new BufferedImage(ECDF_WIDTH, ECDF_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = begin(img);
        List<double[]> sorted = new ArrayList<>();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (float[] v : values) {
            double[] d = new double[v.length];
            int k = 0;
            for (float f : v) {
                if (Float.isFinite(f)) {
                    d[k++] = f;
                }
            }
            d = Arrays.copyOf(d, k);
            Arrays.sort(d);
            sorted.add(d);
            if (k > 0) {
                min = Math.min(min, d[0]);
                max = Math.max(max, Bootstrap.quantile(d, 0.995));
            }
        }
        if (!(min < max)) {
            min = Double.isFinite(min) ? min - 1 : 0;
            max = min + 2;
        }
        int left = 74;
        int right = ECDF_WIDTH - 24;
        int top = 50;
        int bottom = ECDF_HEIGHT - 60;
        g.setFont(TITLE);
        g.setColor(Color.BLACK);
        drawCentered(g, fit(g, title, ECDF_WIDTH - 20), ECDF_WIDTH / 2, 28);
        double[] xt = ticks(min, max);
        Scale xs = new Scale(xt[0], xt[xt.length - 1], left, right);
        Scale ys = new Scale(0, 1, bottom, top);
        g.setFont(TICK);
        FontMetrics fm = g.getFontMetrics();
        for (double t : xt) {
            int xx = (int) Math.round(xs.map(t));
            g.setColor(GRID);
            g.drawLine(xx, top, xx, bottom);
            g.setColor(Color.DARK_GRAY);
            drawCentered(g, tickLabel(t, xt), xx, bottom + 16);
        }
        double[] yt = {0, 0.2, 0.4, 0.6, 0.8, 1};
        for (double t : yt) {
            int yy = (int) Math.round(ys.map(t));
            g.setColor(GRID);
            g.drawLine(left, yy, right, yy);
            g.setColor(Color.DARK_GRAY);
            String label = tickLabel(t, yt);
            g.drawString(label, left - 6 - fm.stringWidth(label), yy + fm.getAscent() / 2 - 1);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(left, top, right - left, bottom - top);
        g.setFont(LABEL);
        drawCentered(g, xLabel + " per token (x axis up to the 99.5th percentile)", (left + right) / 2,
                bottom + 40);
        drawVertical(g, "fraction of tokens <= x", 20, (top + bottom) / 2);

        Stroke old = g.getStroke();
        g.setStroke(new BasicStroke(2f));
        g.setClip(left, top, right - left + 1, bottom - top + 1);
        List<String> labels = new ArrayList<>();
        for (int s = 0; s < sorted.size(); s++) {
            double[] d = sorted.get(s);
            if (d.length == 0) {
                labels.add(series.get(s) + " (no finite values)");
                continue;
            }
            Path2D.Double path = new Path2D.Double();
            for (int px = left; px <= right; px++) {
                double x = xs.inverse(px);
                double f = (double) upperBound(d, x) / d.length;
                double py = ys.map(f);
                if (px == left) {
                    path.moveTo(px, py);
                } else {
                    path.lineTo(px, py);
                }
            }
            g.setColor(colors.get(s));
            g.draw(path);
            double mean = Arrays.stream(d).sum() / d.length;
            labels.add(String.format(Locale.ROOT, "%s (%d tokens, mean %.3g, median %.3g)", series.get(s),
                    d.length, mean, Bootstrap.quantile(d, 0.5)));
        }
        g.setClip(null);
        g.setStroke(old);
        g.setFont(LABEL);
        legendBox(g, labels, colors, right - 8, bottom - 8);
        g.dispose();
        return img;
    }

    /** PNG bytes of an image. */
    public static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer in this JVM (javax.imageio)");
        }
        return out.toByteArray();
    }

    private static Graphics2D begin(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        return g;
    }

    /** One row of colour squares and names, centred on cx. */
    private static void legend(Graphics2D g, List<String> series, List<Color> colors, int cx, int y) {
        g.setFont(LABEL);
        FontMetrics fm = g.getFontMetrics();
        int total = 0;
        for (String s : series) {
            total += 14 + 6 + fm.stringWidth(s) + 18;
        }
        int x = cx - total / 2;
        for (int i = 0; i < series.size(); i++) {
            g.setColor(colors.get(i));
            g.fillRect(x, y - 11, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(series.get(i), x + 20, y);
            x += 14 + 6 + fm.stringWidth(series.get(i)) + 18;
        }
    }

    private static void legendBox(Graphics2D g, List<String> labels, List<Color> colors, int right, int bottom) {
        FontMetrics fm = g.getFontMetrics();
        int w = 0;
        for (String s : labels) {
            w = Math.max(w, fm.stringWidth(s));
        }
        int lineH = fm.getHeight() + 2;
        int boxW = w + 40;
        int boxH = labels.size() * lineH + 10;
        int x = right - boxW;
        int y = bottom - boxH;
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRect(x, y, boxW, boxH);
        g.setColor(Color.GRAY);
        g.drawRect(x, y, boxW, boxH);
        for (int i = 0; i < labels.size(); i++) {
            int ly = y + 6 + (i + 1) * lineH - 4;
            g.setColor(colors.get(i));
            g.fillRect(x + 8, ly - 10, 20, 4);
            g.setColor(Color.BLACK);
            g.drawString(labels.get(i), x + 34, ly - 4 + fm.getAscent() / 2);
        }
    }

    private static void drawCentered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    private static void drawVertical(Graphics2D g, String s, int x, int cy) {
        AffineTransform old = g.getTransform();
        g.rotate(-Math.PI / 2, x, cy);
        drawCentered(g, s, x, cy);
        g.setTransform(old);
    }

    /** The string, cut with "..." to fit the width. */
    private static String fit(Graphics2D g, String s, int width) {
        FontMetrics fm = g.getFontMetrics();
        if (fm.stringWidth(s) <= width) {
            return s;
        }
        String t = s;
        while (!t.isEmpty() && fm.stringWidth(t + "...") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "...";
    }

    /** Round tick values (1, 2, 5 x 10^k steps) covering [min, max]. */
    static double[] ticks(double min, double max) {
        if (!(max > min)) {
            double pad = Math.max(1e-9, Math.abs(min) * 0.1 + (min == 0 ? 1 : 0));
            min -= pad;
            max += pad;
        }
        double raw = (max - min) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        double start = Math.floor(min / step) * step;
        double end = Math.ceil(max / step - 1e-9) * step;
        int count = (int) Math.round((end - start) / step) + 1;
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = start + i * step;
            if (Math.abs(out[i]) < step * 1e-9) {
                out[i] = 0;
            }
        }
        return out;
    }

    private static String tickLabel(double t, double[] ticks) {
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        int decimals = (int) Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
        return String.format(Locale.ROOT, "%." + decimals + "f", t);
    }

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

    /** Linear map from data to pixels. */
    private record Scale(double d0, double d1, double p0, double p1) {
        double map(double v) {
            return p0 + (v - d0) / (d1 - d0) * (p1 - p0);
        }

        double inverse(double p) {
            return d0 + (p - p0) / (p1 - p0) * (d1 - d0);
        }
    }
}
