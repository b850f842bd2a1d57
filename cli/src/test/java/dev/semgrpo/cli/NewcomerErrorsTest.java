package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first errors a newcomer meets: a GPU asked of the CPU build of PyTorch, and a Hugging Face id given where a
 * local model folder is expected; each is one message that says what to do, in every command that reads a model.
 */
class NewcomerErrorsTest {
    @TempDir
    Path dir;

    private static Path configs() {
        Path p = Path.of("..", "configs");
        return Files.isDirectory(p) ? p : Path.of("configs");
    }

    private static void assertCpuBuildMessage(String err) {
        assertTrue(err.startsWith("error: device gpu:0: the loaded PyTorch is a CPU build (flavour cpu), which has no"
                + " CUDA. To run on a GPU, build the jar with SEMGRPO_MAVEN_ARGS=-Pgpu and set PYTORCH_FLAVOR=cu128"),
                err);
        assertTrue(err.contains("PYTORCH_LIBRARY_PATH") && err.contains("README, section CUDA")
                && err.contains("--device cpu"), err);
        assertTrue(err.lines().count() == 1, "one line, no PyTorch dispatcher dump: " + err);
    }

    @Test
    void aGpuOnTheCpuBuildSaysWhichBuildAndVariablesGiveCuda() throws Exception {
        Path model = CliRuns.initModel(dir, "m", "qwen3", 1, 1);
        Path prompts = Files.writeString(dir.resolve("p.jsonl"), "{\"prompt\": \"hi\"}\n");
        Path out = dir.resolve("o.jsonl");
        assertCpuBuildMessage(CliRuns.failing("generate", "--model", model.toString(), "--prompts", prompts.toString(),
                "--out", out.toString(), "--device", "gpu"));
        assertFalse(Files.exists(out));
        Path pairs = Files.writeString(dir.resolve("pairs.jsonl"), "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
        assertCpuBuildMessage(CliRuns.failing("logprobs", "--model", model.toString(), "--data", pairs.toString(),
                "--out", dir.resolve("s.jsonl").toString(), "--device", "GPU"));
        assertCpuBuildMessage(CliRuns.failing("train", "sft", "--config",
                configs().resolve("tiny-debug-sft.yaml").toString(), "--set", "run.output_dir=" + dir, "--set",
                "model.path=" + model, "--set", "model.device=gpu", "--set", "run.max_steps=1"));
    }

    private static void assertHubHint(String err) {
        assertTrue(err.contains("Qwen/Qwen3-4B: no such folder; if Qwen/Qwen3-4B is a Hugging Face model id: semgrpo"
                + " reads models from local folders, so download it first with 'huggingface-cli download Qwen/Qwen3-4B"
                + " --local-dir models/Qwen3-4B' (or 'git lfs clone https://huggingface.co/Qwen/Qwen3-4B"
                + " models/Qwen3-4B') and give that folder") || err.contains("Qwen/Qwen3-4B: no model directory"
                + " (config.json missing)"), err);
        assertTrue(err.contains("huggingface-cli download Qwen/Qwen3-4B --local-dir models/Qwen3-4B"), err);
        assertFalse(err.contains("no tokenizer.json") || err.contains("Exception"), err);
    }

    @Test
    void aHuggingFaceIdAsTheModelSaysHowToDownloadIt() throws Exception {
        Path hub = dir.resolve("Qwen/Qwen3-4B");
        Path prompts = Files.writeString(dir.resolve("p.jsonl"), "{\"prompt\": \"hi\"}\n");
        assertHubHint(CliRuns.failing("generate", "--model", hub.toString(), "--prompts", prompts.toString(), "--out",
                dir.resolve("o.jsonl").toString()));
        Path pairs = Files.writeString(dir.resolve("pairs.jsonl"), "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
        assertHubHint(CliRuns.failing("logprobs", "--model", hub.toString(), "--data", pairs.toString(), "--out",
                dir.resolve("s.jsonl").toString()));
        assertHubHint(CliRuns.failing("eval", "--model", hub.toString(), "--tasks", "ood-nll", "--tasks-dir",
                configs().resolve("tasks").toString(), "--out",
                dir.resolve("e").toString()));
        // a training config's model.path, resolved against the config's folder
        Path data = configs().resolve("../data/tiny/zh-bo.jsonl").toAbsolutePath().normalize();
        Path config = Files.writeString(dir.resolve("sft.yaml"), "run: {name: hub, output_dir: runs, max_steps: 1}\n"
                + "model: {path: Qwen/Qwen3-4B}\n"
                + "data: {path: " + data + ", chat: true}\n"
                + "optim: {lr: 1.0e-3, micro_batch: 4}\n"
                + "sft: {batch_size: 8, max_length: 64}\n");
        assertHubHint(CliRuns.failing("train", "sft", "--config", config.toString()));
        assertHubHint(CliRuns.failing("plan", "--config", config.toString()));
    }
}
