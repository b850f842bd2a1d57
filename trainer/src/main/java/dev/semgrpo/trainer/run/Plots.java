package dev.semgrpo.trainer.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.semgrpo.chart.LineChart;
import dev.semgrpo.chart.LineChart.Point;
import dev.semgrpo.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Line charts of metrics.jsonl columns against the step: {@code plots/METRIC.png} and the plotted points as
 * {@code plots/METRIC.csv} ({@code step,METRIC,smoothed}), drawn by {@link LineChart}: the raw values, their
 * smoothed curve (TensorBoard's EMA, weight {@value LineChart#SMOOTHING}) and a y axis labelled with the metric's
 * name and unit ({@link Metric#axisLabel}, the units of docs/metrics.md); a metric that never changed says so
 * instead of drawing a flat line.
 */
public final class Plots {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A plotted metric: its metrics.jsonl name and its unit as docs/metrics.md gives it (the y axis reads
     * {@code "NAME (UNIT)"}).
     *
     * @param name the metrics.jsonl key, e.g. {@code kl}
     * @param unit its unit or scale, e.g. {@code nats per token}; blank for none
     */
    public record Metric(String name, String unit) {
        public Metric {
            if (name == null || name.isBlank() || unit == null) {
                throw new IllegalArgumentException("a plotted metric needs a name and a unit (blank for none), "
                        + "found '" + name + "', '" + unit + "'");
            }
        }

        /** The y axis' label: the name and, when there is one, the unit in parentheses. */
        public String axisLabel() {
            return unit.isBlank() ? name : name + " (" + unit + ")";
        }
    }

    private Plots() {
    }

    /** One PNG and CSV per metric that the run logged; metrics it never logged are skipped. */
    public static void write(Path runDir, List<Metric> metrics) throws IOException {
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
        for (Metric metric : metrics) {
            String m = metric.name();
            List<Point> pts = new ArrayList<>();
            for (JsonNode n : lines) {
                if (n.hasNonNull(m) && n.get(m).isNumber() && Double.isFinite(n.get(m).asDouble())) {
                    pts.add(new Point(n.path("step").asDouble(), n.get(m).asDouble()));
                }
            }
            if (!pts.isEmpty()) {
                LineChart.render(m + " per step", "step", m, metric.axisLabel(), pts).writeTo(runDir.resolve("plots")
                        .resolve(m.replace('/', '_') + ".png"), (f, bytes) -> AtomicFiles.write(f, true,
                                out -> out.write(bytes)));
            }
        }
    }
}
