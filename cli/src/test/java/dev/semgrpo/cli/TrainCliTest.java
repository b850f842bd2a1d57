package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.io.Jsonl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    private static List<String> iterable(com.fasterxml.jackson.databind.JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
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
        assertEquals(List.of("semgrpo", "train", "sft", "--config"), iterable(
                Jsonl.JSON.readTree(sft.resolve("provenance.json").toFile()).get("command")).subList(0, 4));
        // extend the finished run by two steps; the command ends by naming the final adapter
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run("train", "sft", "--resume", sft.toString(), "--set", "run.max_steps=6"));
        } finally {
            System.setOut(stdout);
        }
        assertTrue(printed.toString(java.nio.charset.StandardCharsets.UTF_8).contains("final adapter (PEFT): "
                + sft.resolve("final")), printed.toString(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(6, Files.readAllLines(sft.resolve("metrics.jsonl")).size());
        assertEquals(1, Main.run("train", "sft", "--config", configs().resolve("tiny-debug-sft.yaml").toString(),
                "--set", out, "--set", model), "a second run into the same directory is refused");

        Path merged = dir.resolve("merged");
        assertEquals(0, Main.run("merge-adapter", "--model", dir.resolve("model").toString(), "--adapter",
                sft.resolve("final").toString(), "--out", merged.toString()));
        assertTrue(Files.exists(merged.resolve("model.safetensors")) && Files.exists(merged.resolve("tokenizer.json")));

        assertEquals(0, Main.run("train", "grpo", "--config", configs().resolve("tiny-debug-grpo.yaml").toString(),
                "--set", out, "--set", "model.path=" + merged, "--set", "run.max_steps=2"));
        assertTrue(Files.exists(dir.resolve("tiny-debug-grpo/plots/reward.png")));
        assertEquals(1, Main.run("train", "grpo", "--config", configs().resolve("tiny-debug-grpo.yaml").toString(),
                "--set", "grpo.num_generations=1"), "bad values fail with a message, not a trace");
    }
}
