package dev.semgrpo.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.data.TaskData;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.GenerationBackend;
import dev.semgrpo.model.generate.LocalBackend;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.remote.OpenAiBackend;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generation and multiple-choice tasks generate and score only through the context's backend (a server's context
 * has no local model, so any other path would fail), and give the local engine's records through a backend that
 * answers as the local engine does; perplexity tasks refuse a server before any work.
 */
class BackendEvalTest {
    @TempDir
    Path dir;

    /** A backend that is not the local engine but answers as it does, counting what it is asked. */
    private static final class Relay implements GenerationBackend {
        private final LocalBackend engine;
        private final double[] replace; // log-likelihoods returned instead of the engine's, or null
        int generated;
        int scored;

        Relay(LocalBackend engine, double[] replace) {
            this.engine = engine;
            this.replace = replace;
        }

        @Override
        public int maxPositions() {
            return engine.maxPositions();
        }

        @Override
        public List<List<Completion>> generate(List<int[]> prompts, int firstIndex, SamplingParams params,
                IntConsumer progress) {
            generated += prompts.size();
            return engine.generate(prompts, firstIndex, params, progress);
        }

        @Override
        public double[] continuationLogprobs(List<int[]> prompts, List<int[]> continuations) {
            double[] v = engine.continuationLogprobs(prompts, continuations);
            if (replace != null) {
                v = java.util.Arrays.copyOf(replace, v.length);
            }
            scored += prompts.size();
            return v;
        }

        @Override
        public String describe() {
            return "test relay";
        }

        @Override
        public void close() {
        }
    }

    private TaskConfig task(String name, String yaml) throws IOException {
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, yaml);
        return TaskConfig.load(f).config();
    }

    private static String json(List<ExampleRecord> records) throws IOException {
        return EvalResults.JSON.writeValueAsString(records);
    }

    @Test
    void tasksGoThroughTheBackendAndMatchTheLocalEngine() throws IOException {
        Path tokDir = dir.resolve("tok");
        ByteLevelTokenizer.write(tokDir);
        Files.write(dir.resolve("mt.jsonl"), List.of("{\"id\": \"s1\", \"source\": \"hello\", \"target\": \"hallo\"}",
                "{\"id\": \"s2\", \"source\": \"cat\", \"target\": \"Katze\"}",
                "{\"id\": \"s3\", \"source\": \"dog\", \"target\": \"Hund\"}"));
        Files.write(dir.resolve("mc.jsonl"), List.of(
                "{\"id\": \"q1\", \"question\": \"Pick\", \"choices\": [\"apple\", \"zebra\"], \"label\": 1}",
                "{\"id\": \"q2\", \"question\": \"Sky?\", \"choices\": [\"blue\", \"green\", \"red\"], \"label\": 0}"));
        Files.write(dir.resolve("ood.jsonl"), List.of("{\"id\": \"t1\", \"text\": \"The quick brown fox.\"}"));
        TaskConfig mt = task("mt", "type: generate\ndata: {path: mt.jsonl}\nprompt: {template: \"{source} =\"}\n"
                + "generation: {max_new_tokens: 4, batch_size: 2, temperature: 1.0, seed: 3}\nmetrics: [chrf]\n");
        TaskConfig mc = task("mc", "type: multiple_choice\ndata: {path: mc.jsonl}\nmultiple_choice: {batch_size: 2}\n");
        TaskConfig ood = task("ood", "type: perplexity\ndata: {path: ood.jsonl}\n");
        try (TextTokenizer tok = TextTokenizer.load(tokDir); CausalLM model = TinyEval.model(8)) {
            List<TaskExample> mtEx = TaskData.read(dir.resolve("mt.jsonl"), mt.formatOrDefault(), Map.of(), null, null,
                    "mt");
            List<TaskExample> mcEx = TaskData.read(dir.resolve("mc.jsonl"), mc.formatOrDefault(), Map.of(), null, null,
                    "mc");
            List<TaskExample> oodEx = TaskData.read(dir.resolve("ood.jsonl"), ood.formatOrDefault(), Map.of(), null,
                    null, "ood");
            EvalContext local = EvalContext.local(model, tok, null, false, null, null, Progress.NONE);
            Relay relay = new Relay(new LocalBackend(model, tok, Integer.MAX_VALUE), null);
            EvalContext remote = EvalContext.remote(relay, tok, null, null, Progress.NONE);

            TaskOutcome mtLocal = GenerateTask.run("mt", mt, mtEx, Shard.WHOLE, new Prompts("mt", mt, mtEx, tok),
                    local);
            TaskOutcome mtRemote = GenerateTask.run("mt", mt, mtEx, Shard.WHOLE, new Prompts("mt", mt, mtEx, tok),
                    remote);
            assertEquals(json(mtLocal.records()), json(mtRemote.records()), "sampled outputs, keyed by example");
            assertEquals(3, relay.generated);
            TaskOutcome mcLocal = MultipleChoiceTask.run("mc", mc, mcEx, Shard.WHOLE, new Prompts("mc", mc, mcEx, tok),
                    local);
            TaskOutcome mcRemote = MultipleChoiceTask.run("mc", mc, mcEx, Shard.WHOLE,
                    new Prompts("mc", mc, mcEx, tok), remote);
            assertEquals(json(mcLocal.records()), json(mcRemote.records()));
            assertEquals(5, relay.scored, "one row per choice");

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PerplexityTask.run("ood",
                    ood, oodEx, Shard.WHOLE, remote));
            assertTrue(e.getMessage().startsWith("task 'ood' is a perplexity task: its NLL and KL need the model's "
                    + "full next-token distribution") && e.getMessage().contains("runs on test relay")
                    && e.getMessage().contains("Run perplexity tasks with --backend local"), e.getMessage());

            // a server's non-finite log-likelihood names the task, the example and the choice
            Relay nan = new Relay(new LocalBackend(model, tok, Integer.MAX_VALUE), new double[] {-1, Double.NaN});
            IllegalStateException bad = assertThrows(IllegalStateException.class, () -> MultipleChoiceTask.run("mc",
                    mc, mcEx, Shard.WHOLE, new Prompts("mc", mc, mcEx, tok), EvalContext.remote(nan, tok, null, null,
                            Progress.NONE)));
            assertEquals("non-finite log-likelihood NaN from test relay while scoring task 'mc', example 'q1', "
                    + "choice 1; evaluate with --dtype float32 or check the served model for overflow",
                    bad.getMessage());
        }
    }

    @Test
    void aServerEvaluationRefusesPerplexityAndLocalOptionsBeforeAnyWork() throws IOException {
        Files.write(dir.resolve("ood.jsonl"), List.of("{\"text\": \"some text\"}"));
        Files.writeString(dir.resolve("ood.yaml"), "type: perplexity\ndata: {path: ood.jsonl}\n");
        Files.write(dir.resolve("mc.jsonl"), List.of(
                "{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"label\": 0}"));
        Files.writeString(dir.resolve("mc.yaml"), "type: multiple_choice\ndata: {path: mc.jsonl}\n");
        List<TaskConfig.Loaded> tasks = List.of(TaskConfig.load(dir.resolve("mc.yaml")),
                TaskConfig.load(dir.resolve("ood.yaml")));
        // nothing listens on port 9: a connection attempt would retry for seconds and fail differently
        OpenAiBackend.Options server = OpenAiBackend.Options.of(URI.create("http://127.0.0.1:9/v1"), "served");
        Path out = dir.resolve("out");
        long t0 = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvalRun.builder()
                .setServer(server, dir.resolve("no-tokenizer")).setTasks(tasks).setOut(out).build()
                .run(Progress.NONE, null));
        assertTrue(e.getMessage().startsWith("task 'ood' is a perplexity task") && e.getMessage().contains(
                "runs on the server http://127.0.0.1:9/v1 (model served)"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "no connection was attempted");
        assertFalse(Files.exists(out), "nothing written");

        IllegalArgumentException adapter = assertThrows(IllegalArgumentException.class, () -> EvalRun.builder()
                .setServer(server, dir).optAdapter(dir.resolve("adapter")).setTasks(tasks.subList(0, 1)).setOut(out)
                .build());
        assertTrue(adapter.getMessage().contains("the server applies adapters"), adapter.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> EvalRun.builder()
                .setServer(server, dir).setModel(dir).setTasks(new ArrayList<>()).setOut(out).build());
        assertTrue(both.getMessage().contains("a model or a server"), both.getMessage());
    }
}
