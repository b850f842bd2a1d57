package dev.semgrpo.chart;

import dev.semgrpo.chart.Style.Series;
import java.awt.Color;
import java.awt.FontMetrics;
import java.util.List;

/** Legends: a row of colour squares under a title, or a box of colour strokes in a plot's corner. */
final class Legend {
    private Legend() {
    }

    /** One row of colour squares and names, centred on {@code cx}, baseline {@code y}. */
    static void row(Canvas c, List<Series> series, int cx, int y) {
        c.g.setFont(Style.LABEL);
        FontMetrics fm = c.g.getFontMetrics();
        int total = 0;
        for (Series s : series) {
            total += 14 + 6 + fm.stringWidth(s.name()) + 18;
        }
        int x = cx - total / 2;
        for (Series s : series) {
            c.g.setColor(s.color());
            c.g.fillRect(x, y - 11, 14, 14);
            c.g.setColor(Color.BLACK);
            c.g.drawString(s.name(), x + 20, y);
            x += 14 + 6 + fm.stringWidth(s.name()) + 18;
        }
    }

    /** A white box of lines, one stroke of the series' colour and its text each, its corner at (right, bottom). */
    static void box(Canvas c, List<Series> lines, int right, int bottom) {
        FontMetrics fm = c.g.getFontMetrics();
        int w = 0;
        for (Series s : lines) {
            w = Math.max(w, fm.stringWidth(s.name()));
        }
        int lineH = fm.getHeight() + 2;
        int boxW = w + 40;
        int boxH = lines.size() * lineH + 10;
        int x = right - boxW;
        int y = bottom - boxH;
        c.g.setColor(new Color(255, 255, 255, 230));
        c.g.fillRect(x, y, boxW, boxH);
        c.g.setColor(Color.GRAY);
        c.g.drawRect(x, y, boxW, boxH);
        for (int i = 0; i < lines.size(); i++) {
            int ly = y + 6 + (i + 1) * lineH - 4;
            c.g.setColor(lines.get(i).color());
            c.g.fillRect(x + 8, ly - 10, 20, 4);
            c.g.setColor(Color.BLACK);
            c.g.drawString(lines.get(i).name(), x + 34, ly - 4 + fm.getAscent() / 2);
        }
    }

    /** One row of short strokes and names in the current font, starting at {@code x}, baseline {@code y}. */
    static void inline(Canvas c, List<Series> series, int x, int y) {
        FontMetrics fm = c.g.getFontMetrics();
        for (Series s : series) {
            c.g.setColor(s.color());
            c.g.fillRect(x, y - 5, 18, 3);
            c.g.setColor(Color.BLACK);
            c.g.drawString(s.name(), x + 24, y);
            x += 24 + fm.stringWidth(s.name()) + 16;
        }
    }
}
