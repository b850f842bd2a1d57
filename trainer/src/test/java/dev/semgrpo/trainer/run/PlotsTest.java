package dev.semgrpo.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.semgrpo.chart.Csv;
import dev.semgrpo.chart.LineChart;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
    @TempDir
    Path run;

    @Test
    void eachLoggedMetricGetsAPngAndACsvOfItsFinitePoints() throws IOException {
        Random r = new Random(2);
        StringBuilder jsonl = new StringBuilder();
        List<double[]> reward = new ArrayList<>();
        List<double[]> semantic = new ArrayList<>();
        for (int step = 1; step <= 40; step++) {
            double rw = r.nextGaussian();
            double sem = r.nextDouble() * 1e-7;
            jsonl.append("{\"step\":").append(step).append(",\"reward\":").append(rw);
            if (step % 5 != 0) {
                jsonl.append(",\"reward/semantic\":").append(sem);
                semantic.add(new double[] {step, sem});
            } else {
                jsonl.append(",\"reward/semantic\":").append(step % 10 == 0 ? "null" : "\"NaN\"");
            }
            jsonl.append("}\n");
            reward.add(new double[] {step, rw});
            if (step == 20) {
                jsonl.append('\n');
            }
        }
        Files.writeString(run.resolve("metrics.jsonl"), jsonl.toString());
        Plots.write(run, List.of(new Plots.Metric("reward", "sum"), new Plots.Metric("reward/semantic", ""),
                new Plots.Metric("never_logged", "")));

        List<String> files;
        try (Stream<Path> s = Files.list(run.resolve("plots"))) {
            files = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("reward.csv", "reward.png", "reward_semantic.csv", "reward_semantic.png"), files);
        assertPoints("reward", reward);
        assertPoints("reward/semantic", semantic);
        BufferedImage img = ImageIO.read(run.resolve("plots/reward.png").toFile());
        assertNotNull(img);
        assertEquals(LineChart.WIDTH, img.getWidth());
    }

    @Test
    void noMetricsFileWritesNothing() throws IOException {
        Plots.write(run, List.of(new Plots.Metric("reward", "")));
        assertFalse(Files.exists(run.resolve("plots")));
    }

    private void assertPoints(String metric, List<double[]> expected) throws IOException {
        List<List<String>> rows = Csv.parse(Files.readString(run.resolve("plots")
                .resolve(metric.replace('/', '_') + ".csv")));
        assertEquals(List.of("step", metric, "smoothed"), rows.get(0));
        assertEquals(expected.size(), rows.size() - 1);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i)[0], Csv.parseNumber(rows.get(i + 1).get(0)), 0.0);
            assertEquals(expected.get(i)[1], Csv.parseNumber(rows.get(i + 1).get(1)), 0.0, metric + " row " + i);
        }
    }

    @Test
    void aConstantMetricGetsItsPngAndCsvAndTheAxisLabelCarriesTheUnit() throws IOException {
        StringBuilder jsonl = new StringBuilder();
        for (int step = 1; step <= 6; step++) {
            jsonl.append("{\"step\":").append(step).append(",\"kl\":0.0}\n");
        }
        Files.writeString(run.resolve("metrics.jsonl"), jsonl.toString());
        Plots.write(run, List.of(new Plots.Metric("kl", "nats per token")));
        assertPoints("kl", List.of(new double[] {1, 0}, new double[] {2, 0}, new double[] {3, 0}, new double[] {4, 0},
                new double[] {5, 0}, new double[] {6, 0}));
        assertNotNull(ImageIO.read(run.resolve("plots/kl.png").toFile()));
        assertEquals("kl (nats per token)", new Plots.Metric("kl", "nats per token").axisLabel());
        assertEquals("loss", new Plots.Metric("loss", "").axisLabel());
        assertThrows(IllegalArgumentException.class, () -> new Plots.Metric(" ", ""));
    }
}
