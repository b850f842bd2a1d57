package dev.semgrpo.eval.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalEventsTest {
    @TempDir
    Path run;

    private static List<Path> events(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
        }
    }

    @Test
    void aTaskWritesItsMetricsForTensorBoardAndAnotherEvaluationReplacesThem() throws IOException {
        Aggregate mean = new Aggregate.Mean("acc");
        TaskSummary s = new TaskSummary("qa", "generate", "general", 0, "m", null, null, List.of(
                new MetricResult("acc", 0.5, mean, true, "sig"), new MetricResult("ppl", Double.NaN, mean, false,
                        "sig")), 1.0, null);
        EvalResults.write(run, s, List.of());
        List<Path> first = events(run.resolve("qa"));
        assertEquals(1, first.size(), first.toString());
        String bytes = new String(Files.readAllBytes(first.get(0)), StandardCharsets.ISO_8859_1);
        assertTrue(bytes.contains("qa/acc") && bytes.contains("brain.Event:2"), "tag and file version are written");
        assertFalse(bytes.contains("qa/ppl"), "non-finite values are left out");
        EvalResults.write(run, s, List.of());
        assertEquals(1, events(run.resolve("qa")).size(), "an evaluation run again replaces the file");
        assertTrue(EvalResults.isComplete(run, "qa"));
    }
}
