package dev.semgrpo.eval.metrics;

import dev.semgrpo.eval.results.ExampleRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs metrics the way a generation task does: score each example, keep the values in an ExampleRecord. */
final class Records {
    private Records() {
    }

    static List<ExampleRecord> score(List<? extends TextMetric> metrics, List<String> outputs,
            List<List<String>> references) {
        List<ExampleRecord> out = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            Map<String, Double> scores = new HashMap<>();
            Map<String, long[]> stats = new HashMap<>();
            for (TextMetric m : metrics) {
                m.score(outputs.get(i), references.get(i), scores, stats);
            }
            out.add(new ExampleRecord(Integer.toString(i), "", outputs.get(i), references.get(i), scores, stats,
                    null, null));
        }
        return out;
    }

    static List<ExampleRecord> score(TextMetric metric, List<String> outputs, List<List<String>> references) {
        return score(List.of(metric), outputs, references);
    }
}
