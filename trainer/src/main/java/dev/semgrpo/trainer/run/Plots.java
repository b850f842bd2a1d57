package dev.semgrpo.trainer.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Line charts of metrics.jsonl columns against the step, as PNG files under {@code plots/} (headless AWT). */
public final class Plots {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Plots() {
    }

    /** One PNG per metric that the run logged; metrics it never logged are skipped. */
    public static void write(Path runDir, List<String> metrics) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path file = runDir.resolve("metrics.jsonl");
        if (!Files.exists(file)) {
            return;
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            if (!l.isBlank()) {
                lines.add(JSON.readTree(l));
            }
        }
        Files.createDirectories(runDir.resolve("plots"));
        for (String m : metrics) {
            List<double[]> pts = new ArrayList<>();
            for (JsonNode n : lines) {
                if (n.hasNonNull(m) && n.get(m).isNumber() && Double.isFinite(n.get(m).asDouble())) {
                    pts.add(new double[] {n.path("step").asDouble(), n.get(m).asDouble()});
                }
            }
            if (!pts.isEmpty()) {
                ImageIO.write(chart(m, pts), "png", runDir.resolve("plots").resolve(m.replace('/', '_') + ".png")
                        .toFile());
            }
        }
    }

    static BufferedImage chart(String title, List<double[]> pts) {
        int w = 640;
        int h = 400;
        int left = 70;
        int right = 20;
        int top = 40;
        int bottom = 50;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D gr = img.createGraphics();
        gr.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        gr.setColor(Color.WHITE);
        gr.fillRect(0, 0, w, h);
        double x0 = pts.stream().mapToDouble(p -> p[0]).min().orElse(0);
        double x1 = pts.stream().mapToDouble(p -> p[0]).max().orElse(1);
        double y0 = pts.stream().mapToDouble(p -> p[1]).min().orElse(0);
        double y1 = pts.stream().mapToDouble(p -> p[1]).max().orElse(1);
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
        gr.setColor(new Color(230, 230, 230));
        gr.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int i = 0; i <= 4; i++) {
            int y = top + (h - top - bottom) * i / 4;
            gr.drawLine(left, y, w - right, y);
            gr.setColor(Color.DARK_GRAY);
            gr.drawString(String.format(Locale.ROOT, "%.3g", y1 - (y1 - y0) * i / 4), 8, y + 4);
            gr.setColor(new Color(230, 230, 230));
        }
        gr.setColor(Color.DARK_GRAY);
        gr.drawRect(left, top, w - left - right, h - top - bottom);
        gr.drawString(String.format(Locale.ROOT, "%.0f", x0), left, h - bottom + 16);
        gr.drawString(String.format(Locale.ROOT, "%.0f", x1), w - right - 30, h - bottom + 16);
        gr.drawString("step", w / 2, h - 12);
        gr.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        gr.drawString(title, left, 24);
        gr.setColor(new Color(31, 119, 180));
        gr.setStroke(new BasicStroke(2f));
        int px = -1;
        int py = -1;
        for (double[] p : pts) {
            int x = left + (int) ((p[0] - x0) / (x1 - x0) * (w - left - right));
            int y = top + (int) ((y1 - p[1]) / (y1 - y0) * (h - top - bottom));
            if (px >= 0) {
                gr.drawLine(px, py, x, y);
            }
            gr.fillOval(x - 2, y - 2, 5, 5);
            px = x;
            py = y;
        }
        gr.dispose();
        return img;
    }
}
