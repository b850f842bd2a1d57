package dev.semgrpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.bench.InputMutations.Mutation;
import dev.semgrpo.bench.StrictInputs.Outcome;
import dev.semgrpo.bench.StrictInputs.Verdict;
import dev.semgrpo.eval.data.TaskData;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.task.TaskConfig;
import dev.semgrpo.model.io.Jsonl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of JSONL inputs read as the commands read them: training data (prompt/reference and chat
 * messages) through the training config and PromptDataset, and evaluation data through TaskData. Each mutated file
 * reads exactly as the valid one or is rejected with a message that names it; never another exception.
 */
class JsonlFuzzTest {
    private static final Path ROOT = Path.of("..");
    private static final int CASES = 240;

    private final Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
    private final List<String> failures = new ArrayList<>();

    @Test
    void trainingDataPromptsAndMessages(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("sft.yaml");
        Files.copy(ROOT.resolve("configs/tiny-debug-sft.yaml"), config);
        String tokenizer = ROOT.resolve("data/tokenizers/byte-level/tokenizer.json").toAbsolutePath().toString();
        String prompts = Files.readString(ROOT.resolve("data/tiny/zh-bo.jsonl"));
        StringBuilder messages = new StringBuilder();
        for (Jsonl.Line l : Jsonl.read(ROOT.resolve("data/tiny/zh-bo.jsonl"))) {
            ObjectNode o = Jsonl.JSON.createObjectNode();
            o.putArray("messages").add(Jsonl.JSON.createObjectNode().put("role", "system").put("content", "Be brief."))
                    .add(Jsonl.JSON.createObjectNode().put("role", "user").put("content",
                            l.node().get("prompt").asText()));
            o.set("reference", l.node().get("reference"));
            messages.append(o).append('\n');
        }
        for (String data : List.of(prompts, messages.toString())) {
            fuzz(dir, "train.jsonl", data, CASES / 2, file -> () -> StrictInputs.trainingWithData(config,
                    List.of("data.path=" + file.toAbsolutePath(), "model.init.tokenizer=" + tokenizer)));
        }
        report("training data");
    }

    @Test
    void evaluationData(@TempDir Path dir) throws Exception {
        for (String task : List.of("addition", "udhr-eng-bod")) {
            TaskConfig c = TaskConfig.load(ROOT.resolve("configs/demo/tasks/" + task + ".yaml")).config();
            List<String> lines = Files.readAllLines(c.data().path());
            String data = String.join("\n", lines.subList(0, Math.min(20, lines.size()))) + "\n";
            Set<String> placeholders = placeholders(c);
            fuzz(dir, task + ".jsonl", data, CASES / 2, file -> () -> TaskData.read(file, c.formatOrDefault(),
                    c.data().fields(), c.data().idField(), null, task).stream().map(e -> used(e, placeholders))
                    .toList());
        }
        report("evaluation data");
    }

    /**
     * What evaluation uses of an example: its line, references, choices, label and the variables its prompt names.
     * Ids only label examples (a string or a whole number is a valid id), and other fields matter only when a
     * template names them.
     */
    private static List<Object> used(TaskExample e, Set<String> placeholders) {
        Map<String, String> vars = new TreeMap<>(e.vars());
        vars.keySet().retainAll(placeholders);
        return List.of(e.line(), e.references(), e.choices(), e.label(), vars);
    }

    private static Set<String> placeholders(TaskConfig c) {
        Set<String> out = new TreeSet<>();
        for (String t : new String[] {c.prompt().template(), c.prompt().targetTemplate()}) {
            Matcher m = Pattern.compile("\\{(\\w+)}").matcher(t == null ? "" : t);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** Reads a file as a command does. */
    private interface Reader {
        Callable<?> of(Path file);
    }

    private void fuzz(Path dir, String name, String data, int n, Reader reader) throws Exception {
        Path valid = dir.resolve(name);
        Files.writeString(valid, data);
        Object expected = reader.of(valid).call();
        int i = 0;
        for (Mutation m : InputMutations.jsonl(data, n, name.hashCode() + data.length())) {
            Path mutated = dir.resolve("mutated-" + i++ + "-" + name);
            Files.write(mutated, m.bytes());
            Outcome o = StrictInputs.classify(expected, mutated, reader.of(mutated));
            counts.merge(o.verdict(), 1, Integer::sum);
            if (!StrictInputs.acceptable(m, mutated, o)) {
                failures.add(name + " " + m.kind() + " (" + m.what() + "): " + o);
            }
            Files.delete(mutated);
        }
    }

    private void report(String what) {
        failures.forEach(f -> System.out.println("FAILED " + f.substring(0, Math.min(600, f.length()))));
        System.out.println("jsonl fuzz (" + what + "): " + counts);
        assertEquals(List.of(), failures);
        assertTrue(counts.getOrDefault(Verdict.REJECTED, 0) > CASES / 2, counts.toString());
    }
}
