package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.results.EvalResults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval --shard and merge-shards through the command line: syntax errors, a merge equal to the whole, a report. */
class ShardCliTest {
    @TempDir
    Path dir;

    @Test
    void badShardsAreNamedBeforeAnyWork() {
        for (String[] c : new String[][] {{"0/0", "N must be >= 1"}, {"3/3", "i must be < N (shards are numbered 0"
                + " .. 2), found i=3"}, {"a/b", "--shard expects i/N, two whole numbers with 0 <= i < N"}}) {
            String err = CliRuns.failing("eval", "--model", dir.resolve("no-model").toString(), "--tasks", "x",
                    "--out", dir.resolve("o").toString(), "--shard", c[0]);
            assertTrue(err.contains(c[1]) && err.contains("'" + c[0] + "'"), err);
        }
        assertTrue(!Files.exists(dir.resolve("o")), "nothing written");
    }

    @Test
    void shardsMergeIntoTheWholeEvaluationAndReport() throws Exception {
        Path model = CliRuns.initModel(dir, "model", "qwen3", 2, 3);
        Path tasks = dir.resolve("tasks");
        Files.createDirectories(tasks);
        Files.write(tasks.resolve("mc.jsonl"), List.of(
                "{\"question\": \"2+2?\", \"choices\": [\"4\", \"5\"], \"label\": 0}",
                "{\"question\": \"Sky?\", \"choices\": [\"green\", \"blue\", \"red\"], \"label\": 1}",
                "{\"question\": \"Fire?\", \"choices\": [\"hot\", \"cold\"], \"label\": 0}",
                "{\"question\": \"Sea?\", \"choices\": [\"wet\", \"dry\", \"blue\"], \"label\": 0}",
                "{\"question\": \"One\", \"choices\": [\"x\", \"y\"], \"label\": 1}"));
        Files.writeString(tasks.resolve("mc.yaml"), "type: multiple_choice\ndata: {path: mc.jsonl}\n"
                + "multiple_choice: {batch_size: 3}\n");
        Files.write(tasks.resolve("ood.jsonl"), List.of("{\"text\": \"An out-of-domain paragraph.\"}",
                "{\"text\": \"另一段中文文本。\"}", "{\"text\": \"A third one.\"}"));
        Files.writeString(tasks.resolve("ood.yaml"), "type: perplexity\ndata: {path: ood.jsonl}\n");
        String[] common = {"eval", "--model", model.toString(), "--tasks", "mc,ood", "--tasks-dir", tasks.toString()};
        Path whole = dir.resolve("whole");
        CliRuns.succeeding(concat(common, "--out", whole.toString()));
        Path s0 = dir.resolve("whole.shard-0");
        Path s1 = dir.resolve("whole.shard-1");
        String out = CliRuns.succeeding(concat(common, "--shard", "0/2", "--out", s0.toString()));
        assertTrue(out.contains("wrote shard 0/2 to " + s0) && out.contains("semgrpo merge-shards"), out);
        CliRuns.succeeding(concat(common, "--shard", "1/2", "--out", s1.toString()));

        String missing = CliRuns.failing("merge-shards", "--out", dir.resolve("m0").toString(), s1.toString());
        assertTrue(missing.contains("shard [0/2] missing") && missing.contains(s1 + " = 1/2"), missing);
        assertTrue(!Files.exists(dir.resolve("m0")), "a refused merge writes nothing");
        String existing = CliRuns.failing("merge-shards", "--out", s0.toString(), s0.toString(), s1.toString());
        assertTrue(existing.contains("--out " + s0 + " exists and is not empty"), existing);

        Path merged = dir.resolve("merged");
        String done = CliRuns.succeeding("merge-shards", "--out", merged.toString(), s1.toString(), s0.toString());
        assertTrue(done.contains("merged 2 shards into " + merged), done);
        for (String t : List.of("mc", "ood")) {
            assertEquals(-1L, Files.mismatch(whole.resolve(t).resolve(EvalResults.EXAMPLES),
                    merged.resolve(t).resolve(EvalResults.EXAMPLES)), t);
            assertEquals(EvalResults.readTask(whole.resolve(t)).summary().metrics(),
                    EvalResults.readTask(merged.resolve(t)).summary().metrics(), t);
        }
        String printed = CliRuns.succeeding("report", "--base", whole.toString(), "--compare", "merged=" + merged,
                "--out", dir.resolve("report").toString(), "--resamples", "50");
        assertTrue(Files.size(dir.resolve("report").resolve("report.json")) > 0);
        // the console carries the summary and caveats the files do
        assertTrue(printed.contains("\nsummary:\n  A change counts as significant") && printed.contains("\ncaveats:\n"),
                printed);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
