package dev.semgrpo.chart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.chart.EcdfChart.Curve;
import dev.semgrpo.chart.LineChart.Point;
import dev.semgrpo.chart.PanelChart.Panel;
import dev.semgrpo.chart.Style.Series;
import java.awt.Dimension;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {
    @TempDir
    Path tmp;

    private static BufferedImage decode(Rendered r) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.png()));
        assertNotNull(img, "the PNG decodes");
        return img;
    }

    /** Pixels of (about) the given colour. */
    private static int count(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                n += (img.getRGB(x, y) & 0xffffff) == rgb ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void lineChartCsvHoldsEveryPointAndTheLineIsDrawn() throws IOException {
        Random r = new Random(1);
        List<Point> pts = new ArrayList<>();
        for (int step = 3; step <= 300; step += 3) {
            pts.add(new Point(step, r.nextGaussian() * 1e-3));
        }
        Rendered out = LineChart.render("kl, \"k3\"", "step", "kl, \"k3\"", pts);
        List<List<String>> rows = Csv.parse(out.csv());
        assertEquals(List.of("step", "kl, \"k3\"", "smoothed"), rows.get(0));
        assertEquals(pts.size() + 1, rows.size());
        double[] smooth = LineChart.ema(pts.stream().mapToDouble(Point::y).toArray(), LineChart.SMOOTHING);
        for (int i = 0; i < pts.size(); i++) {
            assertEquals(String.valueOf(3 * (i + 1)), rows.get(i + 1).get(0), "whole steps without .0");
            assertEquals(pts.get(i).x(), Csv.parseNumber(rows.get(i + 1).get(0)), 0.0);
            assertEquals(pts.get(i).y(), Csv.parseNumber(rows.get(i + 1).get(1)), 0.0);
            assertEquals(smooth[i], Csv.parseNumber(rows.get(i + 1).get(2)), 0.0);
        }
        BufferedImage img = decode(out);
        assertEquals(LineChart.WIDTH, img.getWidth());
        assertEquals(LineChart.HEIGHT, img.getHeight());
        assertTrue(count(img, Style.color(1).getRGB() & 0xffffff) > 500, "the line is drawn in blue");
        assertThrows(IllegalArgumentException.class, () -> LineChart.render("x", "step", "x", List.of()));
    }

    @Test
    void panelChartCsvHoldsEveryPanelAndSeriesWithQuotedNames() throws IOException {
        List<Series> series = List.of(new Series("base", Style.color(0)), new Series("sft, \"v2\"", Style.color(1)),
                new Series("grpo", Style.color(2)));
        List<Panel> panels = List.of(
                new Panel("qa, \"general\" (n=3)", "acc", new double[] {0.5, 0.25, Double.NaN},
                        new double[] {0.4, 0.125, Double.NaN}, new double[] {0.6, 0.375, Double.NaN}),
                new Panel("mt", "bleu", new double[] {12, -3.5e-7, 1e20}, new double[] {11, Double.NaN, 9e19},
                        new double[] {13, Double.NaN, 1.1e20}));
        Rendered out = PanelChart.render("Primary", "model", series, panels, false);
        List<List<String>> rows = Csv.parse(out.csv());
        assertEquals(List.of("panel", "model", "value", "lo", "hi"), rows.get(0));
        assertEquals(1 + panels.size() * series.size(), rows.size());
        int i = 1;
        for (Panel p : panels) {
            for (int s = 0; s < series.size(); s++, i++) {
                List<String> row = rows.get(i);
                assertEquals(p.title(), row.get(0));
                assertEquals(series.get(s).name(), row.get(1));
                assertEquals(p.values()[s], Csv.parseNumber(row.get(2)), 0.0);
                assertEquals(p.lo()[s], Csv.parseNumber(row.get(3)), 0.0);
                assertEquals(p.hi()[s], Csv.parseNumber(row.get(4)), 0.0);
            }
        }
        assertTrue(out.csv().contains("\"qa, \"\"general\"\" (n=3)\",\"sft, \"\"v2\"\"\",0.25,0.125,0.375\n"),
                out.csv());
        assertTrue(out.csv().contains(",grpo,,,\n"), "a missing value is empty: " + out.csv());
        BufferedImage img = decode(out);
        Dimension size = PanelChart.size(2);
        assertEquals(size.width, img.getWidth());
        assertEquals(size.height, img.getHeight());
        assertTrue(count(img, Style.color(2).getRGB() & 0xffffff) > 100, "grpo's bar is drawn in orange");
    }

    @Test
    void ecdfCsvHoldsTheStepsOfEachCurve() throws IOException {
        List<Curve> curves = List.of(
                new Curve(new Series("base", Style.color(0)), new double[] {-1, 0.5, 0.5, 0.5, 2, 7}, "base"),
                new Curve(new Series("a, \"b\"", Style.color(1)), new double[] {3}, "a"),
                new Curve(new Series("none", Style.color(2)), new double[0], "none (no finite values)"));
        Rendered out = EcdfChart.render("t", "nll per token", "fraction", "model", curves, -1, 2);
        assertEquals("model,value,fraction\n"
                + "base,-1,0.16666666666666666\n"
                + "base,0.5,0.6666666666666666\n"
                + "base,2,0.8333333333333334\n"
                + "base,7,1\n"
                + "\"a, \"\"b\"\"\",3,1\n", out.csv());
        // every value read back: the fraction at or below each is the curve's step there
        for (List<String> row : Csv.parse(out.csv()).subList(1, 6)) {
            double[] d = curves.get(row.get(0).equals("base") ? 0 : 1).sorted();
            double v = Csv.parseNumber(row.get(1));
            assertEquals((double) java.util.Arrays.stream(d).filter(x -> x <= v).count() / d.length,
                    Csv.parseNumber(row.get(2)), 0.0);
        }
        BufferedImage img = decode(out);
        assertEquals(EcdfChart.WIDTH, img.getWidth());
        assertEquals(EcdfChart.HEIGHT, img.getHeight());
        // an empty range still draws (the axis is widened)
        decode(EcdfChart.render("t", "x", "y", "model", List.of(curves.get(2)), Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY));
    }

    @Test
    void renderedWritesThePngAndTheCsvBesideIt() throws IOException {
        Rendered r = LineChart.render("loss", "step", "loss", List.of(new Point(1, 2.5), new Point(2, 1.25)));
        Path png = tmp.resolve("plots/loss.png");
        Files.createDirectories(png.getParent());
        List<Path> written = new ArrayList<>();
        r.writeTo(png, (f, bytes) -> {
            written.add(f);
            Files.write(f, bytes);
        });
        assertEquals(List.of(png, tmp.resolve("plots/loss.csv")), written);
        assertArrayEquals(r.png(), Files.readAllBytes(png));
        assertEquals("step,loss,smoothed\n1,2.5,2.5\n2,1.25,1.71875\n", Files.readString(tmp.resolve("plots/loss.csv"),
                StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> Rendered.csvBeside(tmp.resolve("loss.jpg")));
        assertFalse(Files.exists(tmp.resolve("loss.csv")));
    }

    @Test
    void theSameInputDrawsTheSameBytes() throws IOException {
        List<Point> pts = List.of(new Point(0, 1), new Point(10, 3), new Point(20, 2));
        assertArrayEquals(LineChart.render("r", "step", "r", pts).png(), LineChart.render("r", "step", "r", pts)
                .png());
    }

    @Test
    void emaIsTensorBoardsDebiasedSmoothing() {
        // m1 = 0.4, /0.4 = 1; m2 = 0.24, /0.64 = 0.375; m3 = 0.144, /0.784
        assertArrayEquals(new double[] {1, 0.375, 0.144 / 0.784}, LineChart.ema(new double[] {1, 0, 0}, 0.6),
                1e-12);
        assertArrayEquals(new double[] {5, 5, 5}, LineChart.ema(new double[] {5, 5, 5}, 0.6), 1e-12,
                "a constant stays constant from the first point (debiased)");
        assertArrayEquals(new double[] {1, 0, 3}, LineChart.ema(new double[] {1, 0, 3}, 0), 0.0);
        assertThrows(IllegalArgumentException.class, () -> LineChart.ema(new double[] {1}, 1));
    }

    @Test
    void aConstantMetricIsSaidNotDrawn() throws IOException {
        List<Point> zeros = new ArrayList<>();
        List<Point> varying = new ArrayList<>();
        for (int step = 1; step <= 12; step++) {
            zeros.add(new Point(step, 0));
            varying.add(new Point(step, step == 7 ? 1e-9 : 0));
        }
        assertEquals("constant at 0 over 12 steps (1 to 12)", LineChart.constantNote(zeros, "step"));
        assertEquals("constant at 0.25 over 2 steps (5 to 10)", LineChart.constantNote(
                List.of(new Point(5, 0.25), new Point(10, 0.25)), "step"));
        assertEquals(null, LineChart.constantNote(varying, "step"));
        assertEquals(null, LineChart.constantNote(List.of(new Point(1, 3)), "step"), "one point is not a trend");
        int blue = Style.color(1).getRGB() & 0xffffff;
        assertEquals(0, count(decode(LineChart.render("kl", "step", "kl", "kl (nats per token)", zeros)), blue),
                "no line for a constant metric");
        assertTrue(count(decode(LineChart.render("kl", "step", "kl", "kl (nats per token)", varying)), blue) > 100);
    }

    @Test
    void ticksStandAtRoundValuesWithReadableLabels() {
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6, 0.8, 1}, Ticks.nice(0.03, 0.97), 1e-12);
        assertEquals(List.of("0.0", "0.2", "0.4", "0.6", "0.8", "1.0"), Ticks.labels(Ticks.nice(0.03, 0.97)));
        assertArrayEquals(new double[] {0, 20, 40, 60, 80, 100, 120}, Ticks.nice(1, 117, 1), 1e-12);
        assertArrayEquals(new double[] {1, 2, 3}, Ticks.nice(1, 3, 1), 1e-12, "whole steps: no 1.5");
        assertEquals(List.of("1", "2", "3"), Ticks.labels(new double[] {1, 2, 3}));
        assertEquals(List.of("0.00", "0.25", "0.50"), Ticks.labels(new double[] {0, 0.25, 0.5}));
        assertEquals(List.of("0", "2e-05", "4e-05"), Ticks.labels(new double[] {0, 2e-5, 4e-5}),
                "a learning rate's ticks in scientific notation");
        assertEquals(List.of("1.5e+06", "2.0e+06"), Ticks.labels(new double[] {1.5e6, 2e6}));
    }

    @Test
    void thePaletteIsOkabeItoWithGreyForTheBase() {
        assertEquals(List.of(0x999999, 0x0072b2, 0xe69f00, 0x009e73, 0xcc79a7, 0x56b4e9, 0xd55e00, 0x000000),
                Style.palette());
        assertEquals(0x999999, Style.color(8).getRGB() & 0xffffff, "repeats after 8");
        assertEquals(0x0072b2, Style.BETTER.getRGB() & 0xffffff);
        assertEquals(0xd55e00, Style.WORSE.getRGB() & 0xffffff);
    }

    @Test
    void aLongAxisLabelWrapsIntoTwoLinesInsteadOfBeingCut() {
        java.awt.FontMetrics fm = new Canvas(10, 10).g.getFontMetrics(Style.LABEL);
        assertEquals(List.of("acc (0-1)"), Canvas.wrapped(fm, "acc (0-1)", 220));
        String label = "similarity (cosine, -1 to 1, higher is better)";
        List<String> lines = Canvas.wrapped(fm, label, 150);
        assertEquals(2, lines.size(), lines.toString());
        assertEquals(label, lines.get(0) + " " + lines.get(1));
        assertTrue(lines.stream().allMatch(l -> fm.stringWidth(l) <= 150), lines.toString());
    }
}
