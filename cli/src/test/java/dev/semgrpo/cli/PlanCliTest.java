package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code semgrpo plan}, and the same check at the start of {@code train}. */
class PlanCliTest {
    private static final String QWEN3_4B = "{\"model_type\": \"qwen3\", \"hidden_size\": 2560, \"intermediate_size\":"
            + " 9728, \"num_hidden_layers\": 36, \"num_attention_heads\": 32, \"num_key_value_heads\": 8, \"head_dim\":"
            + " 128, \"vocab_size\": 151936, \"tie_word_embeddings\": true, \"max_position_embeddings\": 40960,"
            + " \"rope_theta\": 1000000}";

    @TempDir
    Path dir;

    private static Path configs() {
        Path p = Path.of("..", "configs");
        return Files.isDirectory(p) ? p : Path.of("configs");
    }

    /** The paper's GRPO config pointed at a model folder holding only Qwen3-4B's config.json, and at local files. */
    private String[] paperGrpo(String gpu) throws Exception {
        Path model = Files.createDirectories(dir.resolve("Qwen3-4B"));
        Files.writeString(model.resolve("config.json"), QWEN3_4B);
        Files.writeString(dir.resolve("train.jsonl"), "{\"prompt\": \"a\", \"reference\": \"b\"}\n");
        Files.writeString(dir.resolve("rewards.yaml"), "rewards:\n  - {type: language, scripts: [tibetan]}\n");
        return new String[] {"plan", "--config", configs().resolve("paper/qwen3-4b-grpo.yaml").toString(), "--set",
            "model.path=" + model, "--set", "data.path=" + dir.resolve("train.jsonl"), "--set",
            "rewards=" + dir.resolve("rewards.yaml"), "--gpu-memory", gpu};
    }

    @Test
    void thePaperGrpoConfigFits80GbAndIsRefusedOn24() throws Exception {
        String out = CliRuns.succeeding(paperGrpo("80GB"));
        assertTrue(out.contains("grpo on gpu: peak "), out);
        assertTrue(out.contains("weights (fp32)") && out.contains("16.09 GB"), out);
        assertTrue(out.contains("every stage fits and every input is in place"), out);
        String err = CliRuns.failing(paperGrpo("24GB"));
        assertTrue(err.contains("stage grpo needs about") && err.contains("--gpu-memory 24GB"), err);
        assertTrue(err.contains(": lower grpo.generation_batch_size (now 2 prompts x 8 samples)"), err);
        assertTrue(err.contains("lower optim.micro_batch (now 1; it must divide prompts_per_step x num_generations"
                + " = 64"), err);
    }

    @Test
    void missingInputsAreListedTogether() throws Exception {
        String err = CliRuns.failing("plan", "--config", configs().resolve("paper/qwen3-4b-grpo.yaml").toString(),
                "--set", "model.path=" + dir.resolve("none"), "--set", "data.path=" + dir.resolve("none.jsonl"),
                "--gpu-memory", "80GB");
        assertTrue(err.contains(" missing; nothing has run"), err);
        assertTrue(err.contains("model.path " + dir.resolve("none")), err);
        assertTrue(err.contains("data.path " + dir.resolve("none.jsonl")), err);
        assertTrue(err.contains("rewards encoder.path"), err);
        String bad = CliRuns.failing("plan", "--config", configs().resolve("tiny-debug-sft.yaml").toString(),
                "--gpu-memory", "80");
        assertTrue(bad.contains("--gpu-memory must be a size with a unit"), bad);
    }

    @Test
    void trainRefusesARunThatCannotFitBeforeItStarts() {
        String err = CliRuns.failing("train", "sft", "--config", configs().resolve("tiny-debug-sft.yaml").toString(),
                "--set", "run.output_dir=" + dir, "--set", "model.path=" + dir.resolve("model"), "--set",
                "model.device=gpu", "--gpu-memory", "1MB");
        assertTrue(err.contains("stage sft needs about") && err.contains("lower optim.micro_batch"), err);
        assertFalse(Files.exists(dir.resolve("tiny-debug-sft")), "no run directory");
        assertFalse(Files.exists(dir.resolve("model")), "no model created");
        // the user knows better: the check is skipped (here the run then stops on the CPU build's missing CUDA)
        String skipped = CliRuns.failing("train", "sft", "--config",
                configs().resolve("tiny-debug-sft.yaml").toString(), "--set", "run.output_dir=" + dir, "--set",
                "model.path=" + dir.resolve("model"), "--set", "model.device=gpu", "--gpu-memory", "1MB",
                "--skip-memory-check");
        assertFalse(skipped.contains("would not fit"), skipped);
        assertTrue(skipped.startsWith("error: device gpu:0: the loaded PyTorch is a CPU build"), skipped);
    }
}
