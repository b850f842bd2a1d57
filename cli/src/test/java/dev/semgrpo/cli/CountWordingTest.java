package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What commands print about counts reads right for one thing and for several. */
class CountWordingTest {
    @TempDir
    Path dir;

    @Test
    void oneSampleOnePromptOneRowAreSingular() throws Exception {
        Path model = CliRuns.initModel(dir, "m", "qwen3", 1, 1);
        Path prompts = Files.writeString(dir.resolve("p.jsonl"), "{\"prompt\": \"hi\"}\n");
        String out = CliRuns.succeeding("generate", "--model", model.toString(), "--prompts", prompts.toString(),
                "--out", dir.resolve("one.jsonl").toString(), "--n", "1", "--max-new-tokens", "1");
        assertTrue(out.contains("wrote 1 sample for 1 prompt to "), out);
        assertTrue(out.contains(" (1 token, "), out);
        Files.writeString(prompts, "{\"prompt\": \"hi\"}\n{\"prompt\": \"yo\"}\n");
        out = CliRuns.succeeding("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out",
                dir.resolve("four.jsonl").toString(), "--n", "2", "--max-new-tokens", "2", "--stop", "zzz");
        assertTrue(out.contains("wrote 4 samples for 2 prompts to "), out);

        Path pairs = Files.writeString(dir.resolve("pairs.jsonl"), "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
        out = CliRuns.succeeding("logprobs", "--model", model.toString(), "--data", pairs.toString(), "--out",
                dir.resolve("s.jsonl").toString());
        assertTrue(out.contains("wrote 1 scored row to "), out);
    }
}
