package dev.semgrpo.chart;

import dev.semgrpo.chart.Ticks.Tick;
import java.util.List;

/** Grid lines with tick labels, axis lines and frames of a plot area {@code [left, right] x [top, bottom]}. */
final class Axes {
    private Axes() {
    }

    /** Where the labels of a y axis stand. */
    enum YLabels {
        /** Right-aligned 6 pixels left of the axis, centred on their grid line. */
        BESIDE_AXIS
    }

    /** A horizontal grid line from {@code left} to {@code right} at each tick, and its label. */
    static void yGrid(Canvas c, List<Tick> ticks, int left, int right, YLabels labels) {
        c.g.setFont(Style.TICK);
        for (Tick t : ticks) {
            c.g.setColor(Style.GRID);
            c.g.drawLine(left, t.pixel(), right, t.pixel());
            c.g.setColor(Style.AXIS);
            c.rightOf(t.label(), left - 6, t.pixel());
        }
    }

    /** A vertical grid line from {@code top} to {@code bottom} at each tick, its label centred under the axis. */
    static void xGrid(Canvas c, List<Tick> ticks, int top, int bottom) {
        c.g.setFont(Style.TICK);
        for (Tick t : ticks) {
            c.g.setColor(Style.GRID);
            c.g.drawLine(t.pixel(), top, t.pixel(), bottom);
            c.g.setColor(Style.AXIS);
            c.centered(t.label(), t.pixel(), bottom + 16);
        }
    }

    /** A box around the plot area. */
    static void frame(Canvas c, int left, int top, int right, int bottom) {
        c.g.setColor(Style.AXIS);
        c.g.drawRect(left, top, right - left, bottom - top);
    }

    /** The left and bottom axis lines only. */
    static void leftAndBottom(Canvas c, int left, int top, int right, int bottom) {
        c.g.setColor(Style.AXIS);
        c.g.drawLine(left, top, left, bottom);
        c.g.drawLine(left, bottom, right, bottom);
    }
}
