package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped tiny debug configs, run through the CLI with --set overrides, resume and merge-adapter. */
class TrainCliTest {
    @TempDir
    Path dir;

    private static Path configs() {
        Path p = Path.of("..", "configs");
        return Files.isDirectory(p) ? p : Path.of("configs");
    }

    @Test
    void tinyDebugConfigsTrainResumeAndMerge() throws Exception {
        String out = "run.output_dir=" + dir;
        String model = "model.path=" + dir.resolve("model");
        assertEquals(0, Main.run("train", "sft", "--config", configs().resolve("tiny-debug-sft.yaml").toString(),
                "--set", out, "--set", model, "--set", "run.max_steps=4", "--set", "run.save_every=2"));
        Path sft = dir.resolve("tiny-debug-sft");
        assertTrue(Files.exists(sft.resolve("checkpoints/step-4/adapter/adapter_model.safetensors")));
        assertEquals(4, Files.readAllLines(sft.resolve("metrics.jsonl")).size());
        // extend the finished run by two steps
        assertEquals(0, Main.run("train", "sft", "--resume", sft.toString(), "--set", "run.max_steps=6"));
        assertEquals(6, Files.readAllLines(sft.resolve("metrics.jsonl")).size());
        assertEquals(1, Main.run("train", "sft", "--config", configs().resolve("tiny-debug-sft.yaml").toString(),
                "--set", out, "--set", model), "a second run into the same directory is refused");

        Path merged = dir.resolve("merged");
        assertEquals(0, Main.run("merge-adapter", "--model", dir.resolve("model").toString(), "--adapter",
                sft.resolve("checkpoints/step-6/adapter").toString(), "--out", merged.toString()));
        assertTrue(Files.exists(merged.resolve("model.safetensors")) && Files.exists(merged.resolve("tokenizer.json")));

        assertEquals(0, Main.run("train", "grpo", "--config", configs().resolve("tiny-debug-grpo.yaml").toString(),
                "--set", out, "--set", "model.path=" + merged, "--set", "run.max_steps=2"));
        assertTrue(Files.exists(dir.resolve("tiny-debug-grpo/plots/reward.png")));
        assertEquals(1, Main.run("train", "grpo", "--config", configs().resolve("tiny-debug-grpo.yaml").toString(),
                "--set", "grpo.num_generations=1"), "bad values fail with a message, not a trace");
    }
}
