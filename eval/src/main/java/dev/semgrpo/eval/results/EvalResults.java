package dev.semgrpo.eval.results;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.TensorBoardEvents;
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
     * Writes a task's examples, its metrics as a TensorBoard event file, then its summary, each atomically; the
     * summary is written last, so a task folder with a summary is complete.
     */
    public static void write(Path runDir, TaskSummary summary, List<ExampleRecord> examples) throws IOException {
        write(runDir, summary, examples, true);
    }

    /**
     * As {@link #write(Path, TaskSummary, List)}; {@code events} false leaves out the TensorBoard file (a judge's
     * folder, whose verdicts are not metrics of one model).
     */
    public static void write(Path runDir, TaskSummary summary, List<ExampleRecord> examples, boolean events)
            throws IOException {
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
        if (events) {
            writeEvents(dir, summary);
        }
        Path stmp = dir.resolve(SUMMARY + ".tmp");
        JSON.writeValue(stmp.toFile(), summary);
        Files.move(stmp, dir.resolve(SUMMARY), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The task's metrics as a TensorBoard event file in its folder (tags {@code <task>/<metric>}, step 0), replacing
     * the one of an earlier evaluation of the task, so that an evaluation shows in TensorBoard next to the training
     * runs; non-finite values are left out.
     */
    private static void writeEvents(Path dir, TaskSummary summary) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (TensorBoardEvents.isEventFile(p)) {
                    Files.delete(p);
                }
            }
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (MetricResult m : summary.metrics()) {
            if (Double.isFinite(m.value())) {
                values.put(summary.task() + "/" + m.name(), m.value());
            }
        }
        try (TensorBoardEvents w = TensorBoardEvents.open(dir, 0)) {
            w.scalars(0, System.currentTimeMillis() / 1000.0, values);
        }
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
        // a shard that got none of a small task's examples writes an empty file (and a summary of 0 examples)
        boolean none = summary.examples() == 0 && Files.size(taskDir.resolve(EXAMPLES)) == 0;
        for (Jsonl.Line line : none ? List.<Jsonl.Line>of() : Jsonl.read(taskDir.resolve(EXAMPLES))) {
            try {
                examples.add(LINE.treeToValue(line.node(), ExampleRecord.class));
            } catch (JsonProcessingException | IllegalArgumentException e) {
                String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
                errors.add(taskDir.resolve(EXAMPLES) + ":" + line.number() + ": " + msg);
            }
        }
        if (!errors.isEmpty()) {
            throw new IOException(Plural.of(errors.size(), "bad example record") + ":\n  "
                    + String.join("\n  ", errors.subList(0, Math.min(20, errors.size()))));
        }
        if (examples.size() != summary.examples()) {
            throw new IOException(taskDir.resolve(EXAMPLES) + ": " + Plural.of(examples.size(), "record") + ", but "
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
