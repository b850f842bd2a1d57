package dev.semgrpo.eval.results;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.semgrpo.model.io.Jsonl;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Reads and writes an evaluation run's folder: {@code <run>/<task>/examples.jsonl} and {@code summary.json}. */
public final class EvalResults {
    public static final String EXAMPLES = "examples.jsonl";
    public static final String SUMMARY = "summary.json";
    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectMapper LINE = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private EvalResults() {
    }

    /** A task's summary and its examples. */
    public record TaskResults(TaskSummary summary, List<ExampleRecord> examples) {
    }

    /**
     * Writes a task's examples then its summary, each atomically; the summary is written last, so a task folder
     * with a summary is complete.
     */
    public static void write(Path runDir, TaskSummary summary, List<ExampleRecord> examples) throws IOException {
        Path dir = runDir.resolve(summary.task());
        Files.createDirectories(dir);
        Path tmp = dir.resolve(EXAMPLES + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (ExampleRecord r : examples) {
                w.write(LINE.writeValueAsString(r));
                w.write('\n');
            }
        }
        Files.move(tmp, dir.resolve(EXAMPLES), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Path stmp = dir.resolve(SUMMARY + ".tmp");
        JSON.writeValue(stmp.toFile(), summary);
        Files.move(stmp, dir.resolve(SUMMARY), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** True when the task's folder holds a summary (written last, so the task finished). */
    public static boolean isComplete(Path runDir, String task) {
        return Files.isRegularFile(runDir.resolve(task).resolve(SUMMARY))
                && Files.isRegularFile(runDir.resolve(task).resolve(EXAMPLES));
    }

    /** One task's results; errors name the file and line. */
    public static TaskResults readTask(Path taskDir) throws IOException {
        Path summaryFile = taskDir.resolve(SUMMARY);
        if (!Files.isRegularFile(summaryFile)) {
            throw new IOException(taskDir + ": no " + SUMMARY + " (the task did not finish); run `semgrpo eval` "
                    + "for it again");
        }
        TaskSummary summary;
        try {
            summary = JSON.readValue(summaryFile.toFile(), TaskSummary.class);
        } catch (JsonProcessingException e) {
            throw new IOException(summaryFile + ": not a task summary: " + e.getOriginalMessage());
        }
        List<ExampleRecord> examples = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.read(taskDir.resolve(EXAMPLES))) {
            try {
                examples.add(LINE.treeToValue(line.node(), ExampleRecord.class));
            } catch (JsonProcessingException | IllegalArgumentException e) {
                String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
                errors.add(taskDir.resolve(EXAMPLES) + ":" + line.number() + ": " + msg);
            }
        }
        if (!errors.isEmpty()) {
            throw new IOException(errors.size() + " bad example record(s):\n  "
                    + String.join("\n  ", errors.subList(0, Math.min(20, errors.size()))));
        }
        if (examples.size() != summary.examples()) {
            throw new IOException(taskDir.resolve(EXAMPLES) + ": " + examples.size() + " records, but "
                    + summaryFile + " says " + summary.examples() + "; the run was interrupted or the files were "
                    + "edited: run the task again");
        }
        return new TaskResults(summary, examples);
    }

    /** Every finished task of a run, by name, in name order; a run with none is an error. */
    public static Map<String, TaskResults> readRun(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            throw new IOException(runDir + ": no such evaluation folder; run `semgrpo eval --out " + runDir + "` "
                    + "first");
        }
        Map<String, TaskResults> out = new LinkedHashMap<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(runDir)) {
            dirs = s.filter(p -> Files.isRegularFile(p.resolve(SUMMARY))).sorted().toList();
        }
        for (Path d : dirs) {
            TaskResults t = readTask(d);
            out.put(t.summary().task(), t);
        }
        if (out.isEmpty()) {
            throw new IOException(runDir + ": no finished tasks (no */" + SUMMARY + "); run `semgrpo eval` first");
        }
        return out;
    }
}
