package dev.semgrpo.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.semgrpo.eval.data.TaskData;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskRunnersTest {
    @TempDir
    Path dir;

    private Path tokenizer() throws IOException {
        Path t = dir.resolve("tok");
        ByteLevelTokenizer.write(t);
        return t;
    }

    private TaskConfig.Loaded task(String name, String yaml) throws IOException {
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, yaml);
        return TaskConfig.load(f);
    }

    private static EvalContext ctx(CausalLM m, TextTokenizer tok, CausalLM ref, boolean refIsBase) {
        return EvalContext.local(m, tok, ref, refIsBase, null, null, Progress.NONE);
    }

    @Test
    void aChoiceMadeLikelyByTrainingWinsMultipleChoice() throws IOException {
        Files.write(dir.resolve("mc.jsonl"), List.of(
                "{\"question\": \"Pick one\", \"choices\": [\"apple pie\", \"zebra\", \"cloudy sky\"], \"label\": 1}",
                "{\"question\": \"Another\", \"choices\": {\"text\": [\"zebra\", \"moon\"], \"label\": [\"X\", \"Y\"]},"
                        + " \"label\": \"X\"}",
                "{\"question\": \"Third one\", \"choices\": [\"red\", \"green\", \"zebra\", \"blue\"], \"label\": \"C\"}"));
        TaskConfig.Loaded t = task("mc", "type: multiple_choice\ndata: {path: mc.jsonl}\n");
        try (TextTokenizer tok = TextTokenizer.load(tokenizer()); CausalLM model = TinyEval.model(3)) {
            List<NDArray> params = TinyEval.adapter(model);
            List<TaskExample> ex = TaskData.read(t.config().data().path(), t.config().formatOrDefault(), java.util.Map.of(),
                    null, null, "mc");
            Prompts prompts = new Prompts("mc", t.config(), ex, tok);
            TaskOutcome before = MultipleChoiceTask.run("mc", t.config(), ex, Shard.WHOLE, prompts,
                    ctx(model, tok, null, false));
            // train " zebra" after each prompt
            List<int[]> ps = new ArrayList<>();
            List<int[]> cs = new ArrayList<>();
            for (int i = 0; i < ex.size(); i++) {
                int[][] pc = MultipleChoiceTask.split(prompts, prompts.text(ex.get(i), i), " zebra");
                ps.add(pc[0]);
                cs.add(pc[1]);
            }
            TinyEval.train(model, params, ps, cs, 25, 0.02f);
            TaskOutcome after = MultipleChoiceTask.run("mc", t.config(), ex, Shard.WHOLE, prompts,
                    ctx(model, tok, null, false));
            for (ExampleRecord r : after.records()) {
                assertEquals("zebra", r.output(), "the trained choice wins: " + r.extra());
                assertEquals(1.0, r.score("acc"));
                assertEquals(1.0, r.score("acc_norm"));
            }
            assertEquals(1.0, after.metrics().get(0).value());
            assertEquals("acc", after.metrics().get(0).name());
            double llBefore = before.records().get(0).extra().get("loglikelihoods").get(1).asDouble();
            double llAfter = after.records().get(0).extra().get("loglikelihoods").get(1).asDouble();
            assertTrue(llAfter > llBefore + 3, "training raised log p(zebra): " + llBefore + " -> " + llAfter);
        }
    }

    @Test
    void continuationTokensAreWholeMinusContext() throws IOException {
        Files.write(dir.resolve("mc.jsonl"), List.of("{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"label\": 0}"));
        TaskConfig.Loaded t = task("mc", "type: multiple_choice\ndata: {path: mc.jsonl}\n");
        try (TextTokenizer tok = TextTokenizer.load(tokenizer())) {
            List<TaskExample> ex = TaskData.read(dir.resolve("mc.jsonl"), TaskConfig.Format.MULTIPLE_CHOICE,
                    java.util.Map.of(), null, null, "mc");
            Prompts p = new Prompts("mc", t.config(), ex, tok);
            int[][] pc = MultipleChoiceTask.split(p, "Answer: ", "yes");
            // the trailing space of the context moves to the continuation
            assertEquals("Answer:", tok.decode(pc[0], false));
            assertEquals(" yes", tok.decode(pc[1], false));
        }
    }

    @Test
    void perplexityMatchesTheScorerAndKlIsZeroForIdenticalModels() throws IOException {
        Files.write(dir.resolve("ood.jsonl"), List.of("{\"text\": \"The quick brown fox jumps over the lazy dog.\"}",
                "{\"text\": \"Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich.\"}"));
        TaskConfig.Loaded full = task("ood", "type: perplexity\ndata: {path: ood.jsonl}\n");
        TaskConfig.Loaded windows = task("oodw", "type: perplexity\ndata: {path: ood.jsonl}\n"
                + "perplexity: {max_length: 16, stride: 5}\n");
        try (TextTokenizer tok = TextTokenizer.load(tokenizer()); CausalLM model = TinyEval.model(4);
                CausalLM copy = TinyEval.model(4)) {
            List<TaskExample> ex = TaskData.read(dir.resolve("ood.jsonl"), TaskConfig.Format.TEXT, java.util.Map.of(),
                    null, null, "ood");
            TaskOutcome o = PerplexityTask.run("ood", full.config(), ex, Shard.WHOLE,
                    ctx(model, tok, copy, false));
            // NLL = -log p from the scorer (first token as the prompt)
            int[] ids = tok.encode(ex.get(0).vars().get("text"));
            float[] nll = o.records().get(0).token("nll");
            assertEquals(ids.length - 1, nll.length);
            try (NDManager m = model.manager().newSubManager()) {
                LogProbScorer.Scores s = LogProbScorer.score(model, m, List.of(Arrays.copyOfRange(ids, 0, 1)),
                        List.of(Arrays.copyOfRange(ids, 1, ids.length)), 1.0, false);
                float[] lp = s.logprobs().toFloatArray();
                for (int i = 0; i < nll.length; i++) {
                    assertEquals(-lp[i], nll[i], 1e-4, "token " + i);
                }
            }
            for (ExampleRecord r : o.records()) {
                for (float k : r.token("kl")) {
                    assertEquals(0.0, k, 1e-5, "identical models have KL 0");
                }
            }
            assertEquals(List.of("nll_mean", "nll_p90", "kl_mean", "kl_p90"),
                    o.metrics().stream().map(x -> x.name()).toList());
            assertFalse(o.metrics().get(0).higherIsBetter());
            assertTrue(o.metrics().get(1).value() >= o.metrics().get(0).value() - 1, "P90 near or above the mean");
            // windowed scoring: the first window's tokens have the same context, so the same NLL
            TaskOutcome w = PerplexityTask.run("oodw", windows.config(), ex, Shard.WHOLE,
                    ctx(model, tok, null, false));
            float[] nllW = w.records().get(0).token("nll");
            assertEquals(nll.length, nllW.length);
            for (int i = 0; i < 5; i++) {
                assertEquals(nll[i], nllW[i], 1e-4);
            }
            assertEquals(2, w.metrics().size(), "no reference: no KL metrics");
        }
    }

    @Test
    void klAgainstTheBaseGrowsWhenTheAdapterLearns() throws IOException {
        Files.write(dir.resolve("ood.jsonl"), List.of("{\"text\": \"hello world, hello world\"}"));
        TaskConfig.Loaded t = task("ood", "type: perplexity\ndata: {path: ood.jsonl}\n");
        try (TextTokenizer tok = TextTokenizer.load(tokenizer()); CausalLM model = TinyEval.model(5)) {
            List<NDArray> params = TinyEval.adapter(model);
            List<TaskExample> ex = TaskData.read(dir.resolve("ood.jsonl"), TaskConfig.Format.TEXT, java.util.Map.of(),
                    null, null, "ood");
            TaskOutcome zero = PerplexityTask.run("ood", t.config(), ex, Shard.WHOLE, ctx(model, tok, model, true));
            assertEquals(0.0, zero.metrics().get(2).value(), 1e-6, "B = 0: the adapter is the base, KL 0");
            TinyEval.train(model, params, List.of(tok.encode("xyz")), List.of(tok.encode(" qqq qqq")), 10, 0.02f);
            TaskOutcome moved = PerplexityTask.run("ood", t.config(), ex, Shard.WHOLE, ctx(model, tok, model, true));
            assertTrue(moved.metrics().get(2).value() > 1e-3, "KL after training: " + moved.metrics().get(2).value());
            assertTrue(model.adaptersEnabled(), "the adapter is switched back on after the reference pass");
        }
    }

    @Test
    void evaluatorWritesEachTaskAndSkipsCompleteOnes() throws IOException {
        Files.write(dir.resolve("mc.jsonl"), List.of(
                "{\"id\": \"q1\", \"question\": \"Pick\", \"choices\": [\"a\", \"b\"], \"label\": 0}",
                "{\"id\": \"q2\", \"question\": \"Pick\", \"choices\": [\"c\", \"d\"], \"label\": 1}"));
        Files.write(dir.resolve("ood.jsonl"), List.of("{\"text\": \"some text here\"}"));
        List<TaskConfig.Loaded> tasks = List.of(
                task("mc", "type: multiple_choice\ncategory: general\ndata: {path: mc.jsonl}\n"
                        + "prompt: {few_shot: 1}\n"),
                task("ood", "type: perplexity\ndata: {path: ood.jsonl}\n"));
        Path out = dir.resolve("eval");
        try (TextTokenizer tok = TextTokenizer.load(tokenizer()); CausalLM model = TinyEval.model(6)) {
            List<Evaluator.Result> r = Evaluator.run(tasks, ctx(model, tok, null, false), out, "m", null,
                    Shard.WHOLE, false);
            assertFalse(r.get(0).skipped());
            var run = EvalResults.readRun(out);
            assertEquals(List.of("mc", "ood"), new ArrayList<>(run.keySet()));
            assertEquals("general", run.get("mc").summary().category());
            assertEquals("forgetting", run.get("ood").summary().category());
            assertEquals(List.of("q1", "q2"), run.get("mc").examples().stream().map(ExampleRecord::id).toList());
            assertEquals("Question: Pick\nAnswer: d\n\nQuestion: Pick\nAnswer:",
                    run.get("mc").examples().get(0).input(), "one shot (the other example), then the question");
            List<Evaluator.Result> again = Evaluator.run(tasks, ctx(model, tok, null, false), out, "m", null,
                    Shard.WHOLE, false);
            assertTrue(again.get(0).skipped() && again.get(1).skipped());
        }
    }

    @Test
    void badDataIsReportedWithFileLineAndField() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.write(f, List.of("{\"source\": \"a\", \"target\": \"b\"}", "{\"src\": \"a\", \"target\": \"b\"}",
                "{\"question\": \"q\"}"));
        IOException e = assertThrows(IOException.class, () -> TaskData.read(f, TaskConfig.Format.PARALLEL,
                java.util.Map.of(), null, null, "mt"));
        assertTrue(e.getMessage().contains(f + ":2: task 'mt'"), e.getMessage());
        assertTrue(e.getMessage().contains("needs field 'source'"), e.getMessage());
        assertTrue(e.getMessage().contains("data.fields: {source: <its name>}"), e.getMessage());
        assertTrue(e.getMessage().contains(f + ":3:"), "every bad line is reported: " + e.getMessage());
        Path mc = dir.resolve("mc.jsonl");
        Files.write(mc, List.of("{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"label\": 2}"));
        IOException e2 = assertThrows(IOException.class, () -> TaskData.read(mc, TaskConfig.Format.MULTIPLE_CHOICE,
                java.util.Map.of(), null, null, "mc"));
        assertTrue(e2.getMessage().contains("label 2") && e2.getMessage().contains("2 choices"), e2.getMessage());
    }

    @Test
    void taskFilesAreCheckedByKeyAndPlaceholder() throws IOException {
        IOException unknown = assertThrows(IOException.class, () -> task("x", "type: generate\nmetrics: [chrf]\n"
                + "data: {path: d.jsonl}\npromt: {template: x}\n"));
        assertTrue(unknown.getMessage().contains("promt"), unknown.getMessage());
        IOException type = assertThrows(IOException.class, () -> task("y", "type: translate\ndata: {path: d.jsonl}\n"));
        assertTrue(type.getMessage().contains("translate"), type.getMessage());
        IOException noMetrics = assertThrows(IOException.class, () -> task("z", "type: generate\n"
                + "data: {path: d.jsonl}\n"));
        assertTrue(noMetrics.getMessage().contains("needs metrics"), noMetrics.getMessage());
        IllegalArgumentException ph = assertThrows(IllegalArgumentException.class, () -> Prompts.fill(
                "Translate {sorce}", java.util.Map.of("source", "x"), "mt", "prompt.template"));
        assertTrue(ph.getMessage().contains("{sorce}") && ph.getMessage().contains("[source]"), ph.getMessage());
        assertEquals("{x} y", Prompts.fill("{{x}} {source}", java.util.Map.of("source", "y"), "mt", "t"));
    }

    @Test
    void shippedTaskFilesLoad() throws IOException {
        Path tasks = Path.of("..", "configs", "tasks");
        List<Path> files;
        try (var s = Files.list(tasks)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 5, "configs/tasks has the paper's tasks: " + files);
        for (Path f : files) {
            TaskConfig.Loaded t = TaskConfig.load(f);
            assertTrue(t.config().data().path().isAbsolute(), f + ": data.path resolved against the file");
        }
    }
}
