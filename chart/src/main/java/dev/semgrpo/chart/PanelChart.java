package dev.semgrpo.chart;

import dev.semgrpo.chart.Axes.YLabels;
import dev.semgrpo.chart.Style.Series;
import java.awt.Color;
import java.awt.Dimension;
import java.io.IOException;
import java.util.List;

/**
 * Panels of bars under a title and a legend of the series: in each panel one bar per series with its interval as a
 * whisker (three panels per row). Its CSV has the columns {@code panel,SERIES,value,lo,hi}, one row per
 * panel and series in drawing order; a missing value or interval end is an empty field.
 */
public final class PanelChart {
    /** Width of one panel. */
    private static final int PANEL_WIDTH = 380;
    /** Height of one panel. */
    private static final int PANEL_HEIGHT = 290;
    /** Height of the chart's title and legend. */
    private static final int HEADER_HEIGHT = 76;
    /** Panels per row. */
    private static final int COLUMNS = 3;
    /** Smallest width of a chart (room for title and legend). */
    private static final int MIN_WIDTH = 560;

    private PanelChart() {
    }

    /**
     * One panel: one bar per series (NaN value = no bar, "n/a"), each with its interval as a whisker.
     *
     * @param title the panel's title
     * @param yLabel the y axis' label
     * @param values per series
     * @param lo lower interval ends per series
     * @param hi upper interval ends per series
     */
    public record Panel(String title, String yLabel, double[] values, double[] lo, double[] hi) {
    }

    /** Size of a chart with {@code panels} panels: up to three per row, 380 x 290 pixels each, under the header. */
    public static Dimension size(int panels) {
        int cols = Math.max(1, Math.min(COLUMNS, panels));
        int rows = Math.max(1, (panels + cols - 1) / cols);
        return new Dimension(Math.max(MIN_WIDTH, cols * PANEL_WIDTH), HEADER_HEIGHT + rows * PANEL_HEIGHT);
    }

    /**
     * The chart.
     *
     * @param title the chart's title
     * @param seriesColumn the CSV column that names the series (e.g. {@code model})
     * @param series the series, in the order of each panel's values
     * @param panels the panels
     * @param zeroLine draw a strong line at y = 0 (for changes against a reference)
     */
    public static Rendered render(String title, String seriesColumn, List<Series> series, List<Panel> panels,
            boolean zeroLine) throws IOException {
        Dimension size = size(panels.size());
        Canvas c = new Canvas(size.width, size.height);
        c.g.setFont(Style.TITLE);
        c.g.setColor(Color.BLACK);
        c.centered(title, size.width / 2, 26);
        Legend.row(c, series, size.width / 2, 54);
        int cols = Math.max(1, Math.min(COLUMNS, panels.size()));
        Csv csv = new Csv("panel", seriesColumn, "value", "lo", "hi");
        for (int p = 0; p < panels.size(); p++) {
            Panel panel = panels.get(p);
            draw(c, panel, series, (p % cols) * PANEL_WIDTH, HEADER_HEIGHT + (p / cols) * PANEL_HEIGHT, zeroLine);
            for (int s = 0; s < series.size(); s++) {
                csv.row(panel.title(), series.get(s).name(), Csv.number(panel.values()[s]),
                        Csv.number(panel.lo()[s]), Csv.number(panel.hi()[s]));
            }
        }
        return new Rendered(c.png(), csv.text());
    }

    private static void draw(Canvas c, Panel panel, List<Series> series, int x0, int y0, boolean zeroLine) {
        int right = x0 + PANEL_WIDTH - 16;
        int top = y0 + 30;
        int bottom = y0 + PANEL_HEIGHT - 40;
        c.g.setFont(Style.PANEL_TITLE);
        c.g.setColor(Color.BLACK);
        c.centered(c.fit(panel.title(), PANEL_WIDTH - 20), x0 + PANEL_WIDTH / 2, y0 + 18);

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
        // a whisker's end on the extreme tick would touch the panel's edge
        double pad = (max - min) * 0.04;
        double[] ticks = Ticks.nice(min < 0 ? min - pad : min, max > 0 ? max + pad : max);
        double lo = ticks[0];
        c.g.setFont(Style.LABEL);
        List<String> label = Canvas.wrapped(c.g.getFontMetrics(), panel.yLabel(), bottom - top);
        c.g.setFont(Style.TICK);
        int widest = 0;
        for (String t : Ticks.labels(ticks)) {
            widest = Math.max(widest, c.g.getFontMetrics().stringWidth(t));
        }
        int left = x0 + 8 + 15 * label.size() + 6 + widest + 6; // margin, label lines, gap, tick labels, gap
        Scale ys = new Scale(lo, ticks[ticks.length - 1], bottom, top);
        Axes.yGrid(c, Ticks.at(ticks, ys), left, right, YLabels.BESIDE_AXIS);
        Axes.leftAndBottom(c, left, top, right, bottom);
        c.g.setFont(Style.LABEL);
        for (int i = 0; i < label.size(); i++) {
            c.vertical(c.fit(label.get(i), bottom - top), x0 + 8 + 12 + 15 * i, (top + bottom) / 2);
        }

        int n = series.size();
        double slot = (double) (right - left) / n;
        int barWidth = (int) Math.max(4, Math.min(60, slot * 0.64));
        int zeroY = ys.pixel(0);
        c.g.setFont(Style.TICK);
        for (int s = 0; s < n; s++) {
            int cx = (int) Math.round(left + slot * (s + 0.5));
            c.g.setColor(Style.AXIS);
            c.centered(c.fit(series.get(s).name(), (int) slot - 4), cx, bottom + 16);
            double v = panel.values()[s];
            if (!Double.isFinite(v)) {
                c.g.setColor(Color.GRAY);
                c.centered("n/a", cx, zeroY - 4);
                continue;
            }
            int vy = ys.pixel(v);
            c.g.setColor(series.get(s).color());
            c.g.fillRect(cx - barWidth / 2, Math.min(vy, zeroY), barWidth, Math.max(1, Math.abs(zeroY - vy)));
            double l = panel.lo()[s];
            double h = panel.hi()[s];
            if (Double.isFinite(l) && Double.isFinite(h)) {
                c.g.setColor(Color.BLACK);
                c.stroked(1.6f, () -> c.whisker(cx, ys.pixel(l), ys.pixel(h), barWidth / 4));
            }
        }
        if (zeroLine || lo < 0) {
            c.g.setColor(Color.BLACK);
            c.stroked(1.5f, () -> c.g.drawLine(left, zeroY, right, zeroY));
        }
    }
}
