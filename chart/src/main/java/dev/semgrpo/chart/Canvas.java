package dev.semgrpo.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * A white RGB image with antialiased shapes and text, and the drawing primitives the charts share: aligned, rotated
 * and shortened text, framed plot areas, lines with point markers and interval whiskers. {@link #png} ends the
 * drawing and encodes the image.
 */
final class Canvas {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private final BufferedImage image;
    /** Open for the charts' own shapes (bars, curves); text and axes go through the methods here. */
    final Graphics2D g;

    Canvas(int width, int height) {
        image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
    }

    /** {@code s} with its baseline at {@code baseline}, centred on {@code cx}. */
    void centered(String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    /** {@code s} ending at {@code right}, vertically centred on {@code y}. */
    void rightOf(String s, int right, int y) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(s, right - fm.stringWidth(s), y + fm.getAscent() / 2 - 1);
    }

    /** {@code s} rotated to read upwards, centred on {@code (x, cy)}. */
    void vertical(String s, int x, int cy) {
        AffineTransform old = g.getTransform();
        g.rotate(-Math.PI / 2, x, cy);
        centered(s, x, cy);
        g.setTransform(old);
    }

    /** The string, cut with "..." to fit the width in the current font. */
    String fit(String s, int width) {
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

    /**
     * {@code s} as one line when it fits {@code width} in the font of {@code fm}, else as two lines split at the
     * space nearest its middle (each then cut by {@link #fit} if still too long).
     */
    static java.util.List<String> wrapped(FontMetrics fm, String s, int width) {
        if (fm.stringWidth(s) <= width) {
            return java.util.List.of(s);
        }
        int best = -1;
        for (int i = s.indexOf(' '); i >= 0; i = s.indexOf(' ', i + 1)) {
            if (best < 0 || Math.abs(i - s.length() / 2) < Math.abs(best - s.length() / 2)) {
                best = i;
            }
        }
        return best < 0 ? java.util.List.of(s) : java.util.List.of(s.substring(0, best), s.substring(best + 1));
    }

    /** Draws with a stroke of {@code width} pixels, then restores the stroke before. */
    void stroked(float width, Runnable draw) {
        Stroke old = g.getStroke();
        g.setStroke(new BasicStroke(width));
        draw.run();
        g.setStroke(old);
    }

    /** A polyline through the points, each marked with a dot of 5 pixels. */
    void lineWithPoints(int[] xs, int[] ys) {
        for (int i = 0; i < xs.length; i++) {
            if (i > 0) {
                g.drawLine(xs[i - 1], ys[i - 1], xs[i], ys[i]);
            }
            g.fillOval(xs[i] - 2, ys[i] - 2, 5, 5);
        }
    }

    /** An interval from {@code y0} to {@code y1} at {@code x}: a vertical line, capped {@code half} pixels each side. */
    void whisker(int x, int y0, int y1, int half) {
        g.drawLine(x, y0, x, y1);
        g.drawLine(x - half, y0, x + half, y0);
        g.drawLine(x - half, y1, x + half, y1);
    }

    /** Ends the drawing and returns the image as PNG bytes. */
    byte[] png() throws IOException {
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", out)) {
            throw new IOException("no PNG writer in this JVM (javax.imageio)");
        }
        return out.toByteArray();
    }
}
