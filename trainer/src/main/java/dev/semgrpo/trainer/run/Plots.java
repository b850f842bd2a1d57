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
 * {@code plots/METRIC.csv} ({@code step,METRIC}), drawn by {@link LineChart}.
 */
public final class Plots {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Plots() {
    }

    /** One PNG and CSV per metric that the run logged; metrics it never logged are skipped. */
    public static void write(Path runDir, List<String> metrics) throws IOException {
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
            List<Point> pts = new ArrayList<>();
            for (JsonNode n : lines) {
                if (n.hasNonNull(m) && n.get(m).isNumber() && Double.isFinite(n.get(m).asDouble())) {
                    pts.add(new Point(n.path("step").asDouble(), n.get(m).asDouble()));
                }
            }
            if (!pts.isEmpty()) {
                LineChart.render(m, "step", m, pts).writeTo(runDir.resolve("plots").resolve(m.replace('/', '_')
                        + ".png"), (f, bytes) -> AtomicFiles.write(f, true, out -> out.write(bytes)));
            }
        }
    }
}
