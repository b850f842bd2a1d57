package dev.semgrpo.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.results.EvalInfo;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.eval.shard.ShardInfo;
import dev.semgrpo.eval.shard.ShardMerge;
import dev.semgrpo.model.io.AtomicFiles;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.rewards.train.SyntheticParallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task evaluated as 3 shards and merged equals the unsharded evaluation byte for byte (examples.jsonl, and
 * summary.json but for its wall time), for every task type; merges of folders that do not belong together are
 * refused with the folders named.
 */
class ShardedEvalTest {
    @TempDir
    static Path dir;

    private static Path model;
    private static Path reference;
    private static Path encoder;
    private static List<TaskConfig.Loaded> tasks;

    @BeforeAll
    static void evaluateWholeAndSharded() throws IOException {
        Path tok = dir.resolve("tok");
        ByteLevelTokenizer.write(tok);
        model = save(TinyEval.model(3), "model", tok);
        reference = save(TinyEval.model(4), "reference", tok);
        encoder = SyntheticParallel.randomEncoder(dir.resolve("enc"), 5);
        Path t = dir.resolve("tasks");
        Files.createDirectories(t);
        // generate: 8 examples in batches of 3 (3 + 3 + 2: one block per shard); example 1 has two references, so
        // shard 0's signatures say nrefs:var and the others' nrefs:1. References of 1 to 22 words give the
        // similarity encoder batches of mixed lengths: embedding all outputs in one call instead of batch by batch
        // changes a cosine in its last bits here, which the comparison below would catch
        List<String> mt = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String words = "word ".repeat(1 + 3 * i).strip();
            String target = i == 1 ? "[\"moon light\", \"moonlight\"]" : "\"" + words + "\"";
            mt.add("{\"id\": \"s" + i + "\", \"source\": \"source sentence " + i + "\", \"target\": " + target + "}");
        }
        Files.write(t.resolve("mt.jsonl"), mt);
        Files.writeString(t.resolve("mt.yaml"), "type: generate\ndata: {path: mt.jsonl}\n"
                + "prompt: {template: \"Translate: {source}\"}\ngeneration: {max_new_tokens: 5, batch_size: 3}\n"
                + "metrics: [\"chrf++\", \"bleu:tok=char\", rouge_l, similarity]\n");
        // sampled generation, 7 examples in batches of 2 (shard 0 holds blocks 0 and 3), one few-shot example each
        Files.writeString(t.resolve("sampled.yaml"), "type: generate\ndata: {path: mt.jsonl, limit: 7}\n"
                + "prompt: {template: \"{source} =\", few_shot: 1}\n"
                + "generation: {max_new_tokens: 4, batch_size: 2, temperature: 1.3, top_p: 0.95, seed: 11}\n"
                + "metrics: [chrf]\n");
        // 2 examples in one batch: shards 1 and 2 get nothing and write a task folder with 0 examples (NaN metrics)
        Files.writeString(t.resolve("few.yaml"), "type: generate\ndata: {path: mt.jsonl, limit: 2}\n"
                + "generation: {max_new_tokens: 3}\nmetrics: [chrf, bleu, similarity]\n");
        // extractive QA; example 3's context is longer than the model's 512 positions: one truncated prompt
        List<String> qa = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String context = i == 3 ? "long context ".repeat(50) : "The cat number " + i + " sat on the mat.";
            qa.add("{\"id\": \"q" + i + "\", \"context\": \"" + context + "\", \"question\": \"Who sat?\", "
                    + "\"answers\": [\"The cat\"]}");
        }
        Files.write(t.resolve("qa.jsonl"), qa);
        Files.writeString(t.resolve("qa.yaml"), "type: extractive_qa\ndata: {path: qa.jsonl}\n"
                + "generation: {max_new_tokens: 4, batch_size: 2}\n");
        // multiple choice: 2,3,2,4,3,2,3 choices in batches of 4 rows; example 1 (rows 2-4) and example 3 (rows
        // 7-10) reach into the next batch, which their shard scores as well
        Files.write(t.resolve("mc.jsonl"), List.of(
                "{\"question\": \"2+2?\", \"choices\": [\"4\", \"5\"], \"label\": 0}",
                "{\"question\": \"Sky?\", \"choices\": [\"green\", \"blue\", \"red\"], \"label\": 1}",
                "{\"question\": \"Fire?\", \"choices\": [\"hot\", \"cold\"], \"label\": 0}",
                "{\"question\": \"Pick\", \"choices\": [\"a\", \"bb\", \"ccc\", \"dddd\"], \"label\": 3}",
                "{\"question\": \"Sea?\", \"choices\": [\"wet\", \"dry\", \"blue\"], \"label\": 0}",
                "{\"question\": \"One\", \"choices\": [\"x\", \"y\"], \"label\": 1}",
                "{\"question\": \"Last?\", \"choices\": [\"yes\", \"no\", \"maybe\"], \"label\": 2}"));
        Files.writeString(t.resolve("mc.yaml"), "type: multiple_choice\ndata: {path: mc.jsonl}\n"
                + "prompt: {few_shot: 1}\nmultiple_choice: {batch_size: 4}\n");
        // perplexity with KL against a reference, 4 documents in windows of 16 tokens
        Files.write(t.resolve("ood.jsonl"), List.of("{\"text\": \"An out-of-domain paragraph of English text.\"}",
                "{\"text\": \"Short one.\"}", "{\"text\": \"Zwölf Boxkämpfer jagen Viktor quer über den Deich.\"}",
                "{\"text\": \"The last document, scored in windows.\"}"));
        Files.writeString(t.resolve("ood.yaml"), "type: perplexity\ndata: {path: ood.jsonl}\n"
                + "perplexity: {max_length: 16, stride: 5}\n");
        tasks = new ArrayList<>();
        for (String name : List.of("mt", "sampled", "few", "qa", "mc", "ood")) {
            tasks.add(TaskConfig.load(t.resolve(name + ".yaml")));
        }
        eval(tasks, Shard.WHOLE, dir.resolve("whole"));
        for (int i = 0; i < 3; i++) {
            eval(tasks, new Shard(i, 3), dir.resolve("shard-" + i));
        }
    }

    private static Path save(CausalLM lm, String name, Path tok) throws IOException {
        try (lm) {
            Path d = dir.resolve(name);
            lm.save(d, DType.F32, tok, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
            return d;
        }
    }

    private static void eval(List<TaskConfig.Loaded> tasks, Shard shard, Path out) throws IOException {
        EvalRun.builder().setModel(model).setTasks(tasks).setOut(out).optReferenceModel(reference)
                .optEncoder(encoder).optShard(shard).build().run(Progress.NONE, null);
    }

    private static List<Path> shards() {
        return List.of(dir.resolve("shard-2"), dir.resolve("shard-0"), dir.resolve("shard-1"));
    }

    /** The summary with its wall time blanked, the one field a merge cannot reproduce. */
    private static String withoutSeconds(Path summary) throws IOException {
        String s = Files.readString(summary);
        String blanked = s.replaceFirst("\"seconds\" : [0-9.Ee-]+,", "\"seconds\" : _,");
        assertNotEquals(s, blanked, "the summary has a seconds field: " + summary);
        return blanked;
    }

    @Test
    void mergedShardsEqualTheUnshardedRunByteForByte() throws IOException {
        Path merged = dir.resolve("merged");
        ShardMerge.Merged m = ShardMerge.merge(shards());
        m.write(merged);
        Path whole = dir.resolve("whole");
        for (TaskConfig.Loaded t : tasks) {
            Path w = whole.resolve(t.name());
            Path g = merged.resolve(t.name());
            assertEquals(-1L, Files.mismatch(w.resolve(EvalResults.EXAMPLES), g.resolve(EvalResults.EXAMPLES)),
                    t.name() + "/examples.jsonl");
            assertEquals(withoutSeconds(w.resolve(EvalResults.SUMMARY)), withoutSeconds(g.resolve(EvalResults.SUMMARY)),
                    t.name() + "/summary.json");
            assertTrue(!Files.exists(g.resolve(ShardInfo.FILE)), "a merged folder is no shard");
            // the shards did split the work: each holds some of the task's records, together all of them
            int total = EvalResults.readTask(w).examples().size();
            int sum = 0;
            for (Path s : shards()) {
                int n = EvalResults.readTask(s.resolve(t.name())).examples().size();
                assertTrue(n < total || t.name().equals("few"), t.name() + " in " + s + ": " + n);
                sum += n;
            }
            assertEquals(total, sum, t.name());
        }
        var run = EvalResults.readRun(merged);
        var empty = EvalResults.readTask(dir.resolve("shard-2").resolve("few"));
        assertEquals(0, empty.summary().examples());
        assertTrue(Double.isNaN(empty.summary().metric("chrf").value()), "no examples, no value");
        assertEquals(2, run.get("few").summary().examples());
        assertTrue(Double.isFinite(run.get("few").summary().metric("similarity").value()));
        assertTrue(run.get("mt").summary().metric("chrf++").signature().startsWith("nrefs:var|"),
                "the merged signature is over all records: " + run.get("mt").summary().metric("chrf++"));
        assertTrue(EvalResults.readTask(dir.resolve("shard-1").resolve("mt")).summary().metric("chrf++").signature()
                .startsWith("nrefs:1|"), "shard 1 alone has single references");
        assertEquals(1, run.get("qa").summary().config().get("notes").get("truncated_prompts").asInt(),
                "counts are summed over the shards");
        assertTrue(run.get("ood").summary().metric("kl_mean").value() > 0, "KL against the reference");
        EvalInfo info = EvalInfo.read(merged);
        assertEquals(null, info.shard());
        assertEquals(List.of(new Shard(0, 3), new Shard(1, 3), new Shard(2, 3)),
                info.mergedFrom().stream().map(EvalInfo.MergedShard::shard).toList());
        assertEquals(model.toString(), info.model());
        assertEquals("local engine (" + model + ")", info.backend(), "where the outputs came from");

        // the shard's blocks: multiple-choice examples by their first row's batch, shared round-robin
        ShardInfo mc0 = ShardInfo.read(dir.resolve("shard-0").resolve("mc"));
        assertEquals(7, mc0.examplesTotal());
        assertEquals("[Block[from=0, to=2], Block[from=5, to=6]]", mc0.blocks().toString());

        // merging again into the same, now non-empty folder fails and leaves it as it was
        assertThrows(IOException.class, () -> m.write(merged));
        assertEquals(-1L, Files.mismatch(whole.resolve("mc").resolve(EvalResults.EXAMPLES),
                merged.resolve("mc").resolve(EvalResults.EXAMPLES)));
    }

    private static String refused(List<Path> folders) {
        return assertThrows(IllegalArgumentException.class, () -> ShardMerge.merge(folders)).getMessage();
    }

    @Test
    void mergesOfFoldersThatDoNotBelongTogetherAreRefusedWithTheFoldersNamed() throws IOException {
        Path s0 = dir.resolve("shard-0");
        Path s1 = dir.resolve("shard-1");
        Path s2 = dir.resolve("shard-2");
        String missing = refused(List.of(s0, s1));
        assertTrue(missing.contains("shard [2/3] missing") && missing.contains(s0 + " = 0/3")
                && missing.contains(s1 + " = 1/3"), missing);
        String twice = refused(List.of(s0, s1, s1, s2));
        assertTrue(twice.contains("shard 1/3 is given 2 times: [" + s1 + ", " + s1 + "]"), twice);
        String notShard = refused(List.of(dir.resolve("whole"), s1, s2));
        assertTrue(notShard.contains(dir.resolve("whole") + " is not a shard folder"), notShard);

        List<TaskConfig.Loaded> mcOnly = List.of(tasks.get(4));
        Path half = dir.resolve("half-1");
        eval(mcOnly, new Shard(1, 2), half);
        String split = refused(List.of(s0, s1, s2, half));
        assertTrue(split.contains("different splits: N=2: [" + half + "]; N=3: [" + s0 + ", " + s1 + ", " + s2 + "]"),
                split);

        // shard 2 of the multiple-choice task evaluated after its data changed (one label)
        Path m0 = dir.resolve("mc-0");
        Path m1 = dir.resolve("mc-1");
        Path m2 = dir.resolve("mc-2-changed");
        eval(mcOnly, new Shard(0, 3), m0);
        eval(mcOnly, new Shard(1, 3), m1);
        Path data = dir.resolve("tasks/mc.jsonl");
        List<String> lines = Files.readAllLines(data);
        List<String> changed = new ArrayList<>(lines);
        changed.set(6, changed.get(6).replace("\"label\": 2", "\"label\": 0"));
        Files.write(data, changed);
        try {
            eval(mcOnly, new Shard(2, 3), m2);
        } finally {
            Files.write(data, lines);
        }
        String other = refused(List.of(m0, m1, m2));
        assertTrue(other.contains("task 'mc': " + m2.resolve("mc") + " evaluated another task definition or data "
                + "than " + m0.resolve("mc")), other);

        // a shard whose task did not finish (no summary.json), and one without the task at all
        Path cut = dir.resolve("shard-2-cut");
        AtomicFiles.writeFolder(cut, d -> {
            try (var s = Files.walk(s2)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Path q = d.resolve(s2.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(q);
                    } else {
                        Files.copy(p, q);
                    }
                }
            }
        });
        Files.delete(cut.resolve("qa").resolve(EvalResults.SUMMARY));
        AtomicFiles.deleteTree(cut.resolve("ood"));
        String unfinished = refused(List.of(s0, s1, cut));
        assertTrue(unfinished.contains("task 'qa' is not finished in " + cut + " (shard 2/3: it started but wrote no "
                + "summary.json)"), unfinished);
        assertTrue(unfinished.contains("task 'ood' is not finished in " + cut + " (shard 2/3: it has no such task "
                + "folder)"), unfinished);
        assertTrue(unfinished.contains("nothing was written"), unfinished);
    }

    @Test
    void aShardFolderTakesOnlyItsOwnShard() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> eval(tasks, new Shard(1, 3),
                dir.resolve("shard-0")));
        assertTrue(e.getMessage().contains("holds shard 0/3 of a sharded evaluation, not shard 1/3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> eval(tasks, Shard.WHOLE, dir.resolve("shard-0")));
        assertTrue(e.getMessage().contains("not a whole (unsharded) evaluation"), e.getMessage());
    }
}
