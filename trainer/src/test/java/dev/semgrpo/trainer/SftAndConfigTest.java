package dev.semgrpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftAndConfigTest {
    @TempDir
    Path dir;

    static String sftYaml(String name, int steps) {
        return "run:\n  name: " + name + "\n  seed: 2\n  max_steps: " + steps + "\n"
                + "model:\n  path: model\n  init:\n    arch: llama\n    hidden: 32\n    layers: 2\n    heads: 4\n"
                + "    tokenizer: tok/tokenizer.json\n    seed: 4\n"
                + "  lora:\n    r: 8\n    alpha: 16\n    dropout: 0.0\n"
                + "data:\n  path: data.jsonl\n  chat: true\n"
                + "optim:\n  lr: 0.02\n  schedule: cosine\n  warmup_ratio: 0.1\n  micro_batch: 4\n"
                + "sft:\n  batch_size: 8\n  max_length: 64\n";
    }

    private static double nll(Path modelDir, Path adapter, Path data) throws IOException {
        try (Policy p = Policy.open(new Settings.Model(modelDir, "cpu", null, null), 0)) {
            if (adapter != null) {
                p.model().trainableWeights().forEach(a -> a.setRequiresGradient(false));
                Lora.load(p.model(), adapter);
            }
            var d = dev.semgrpo.trainer.data.PromptDataset.load(new Settings.Data(data, "prompt", "reference", true,
                    512, null, false, dev.semgrpo.model.tokenizer.PromptRenderer.DEFAULT_KWARGS), p.tokenizer(), 0);
            return SftTrainer.completionNll(p, d);
        }
    }

    @Test
    void sftLowersCompletionNllFullAndLora() throws IOException {
        TinyRuns.setUp(dir);
        // full fine-tuning: every weight moves, the NLL of the assistant turn "hello hello<|im_end|>\n" drops far below uniform (ln 259)
        ObjectNode full = TinyRuns.tree(dir, sftYaml("sft-full", 20).replace("  lora:\n    r: 8\n    alpha: 16\n"
                + "    dropout: 0.0\n", ""), List.of("optim.lr=0.005"));
        Path fullRun = SftTrainer.train(Settings.of(ConfigLoader.bind(full, "test"), dir, false), null, null);
        double before = nll(dir.resolve("model"), null, dir.resolve("data.jsonl"));
        double afterFull = nll(fullRun.resolve("checkpoints/step-20/model"), null, dir.resolve("data.jsonl"));
        assertTrue(afterFull < before - 1.0, "full SFT: completion NLL " + before + " -> " + afterFull);
        assertTrue(Files.exists(fullRun.resolve("plots/loss.png")));
        assertTrue(Files.exists(fullRun.resolve("plots/loss.csv")), "the plotted data beside the plot");
        assertTrue(Files.exists(fullRun.resolve("plots/learning_rate.png")));
        long seen = 0;
        for (String l : Files.readAllLines(fullRun.resolve("metrics.jsonl"))) {
            long n = ConfigLoader.YAML.readTree(l).get("num_tokens").asLong();
            assertTrue(n > seen, "num_tokens is a running total: " + l);
            seen = n;
        }
        // LoRA on a std-0.02 random model moves less (the tied LM head is not adapted), but must move
        ObjectNode lora = TinyRuns.tree(dir, sftYaml("sft-lora", 20), List.of());
        Path loraRun = SftTrainer.train(Settings.of(ConfigLoader.bind(lora, "test"), dir, false), null, null);
        double afterLora = nll(dir.resolve("model"), loraRun.resolve("checkpoints/step-20/adapter"),
                dir.resolve("data.jsonl"));
        assertTrue(afterLora < before - 0.2, "LoRA SFT: completion NLL " + before + " -> " + afterLora);
    }

    @Test
    void packingChangesPaddingNotTheLoss() throws IOException {
        TinyRuns.setUp(dir);
        double[] loss = new double[2];
        long[] tokens = new long[2];
        for (int k = 0; k < 2; k++) {
            ObjectNode t = TinyRuns.tree(dir, sftYaml("pack" + k, 1), List.of("sft.packing=" + (k == 1),
                    "sft.max_length=256"));
            Path run = SftTrainer.train(Settings.of(ConfigLoader.bind(t, "test"), dir, false), null, null);
            JsonNode m = ConfigLoader.YAML.readTree(Files.readAllLines(run.resolve("metrics.jsonl")).get(0));
            loss[k] = m.get("loss").asDouble();
            tokens[k] = m.get("num_tokens").asLong();
            // TRL's names (docs/metrics.md), and ours where TRL has none
            for (String key : List.of("step", "epoch", "loss", "learning_rate", "grad_norm", "num_tokens",
                    "completion_tokens", "truncated_rows", "time/step_s", "nonfinite_streak")) {
                assertTrue(m.has(key), "metrics.jsonl has " + key + ": " + m);
            }
            for (String old : List.of("lr", "tokens")) {
                assertFalse(m.has(old), "the old name " + old + " is gone: " + m);
            }
            assertTrue(tokens[k] > m.get("completion_tokens").asLong(), "num_tokens counts the prompts too: " + m);
        }
        assertEquals(loss[0], loss[1], 1e-5, "packed and padded batches have the same objective");
        assertEquals(tokens[0], tokens[1], "and the same tokens");
    }

    @Test
    void badKeysAndValuesAreNamed() throws IOException {
        TinyRuns.setUp(dir);
        ObjectNode typo = TinyRuns.tree(dir, sftYaml("x", 2).replace("  lr: 0.02", "  lr_peak: 0.02"), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.bind(typo, "c.yaml"));
        assertTrue(e.getMessage().contains("optim.lr_peak: unknown key 'lr_peak'") && e.getMessage().contains("lr"),
                e.getMessage());
        ObjectNode t = TinyRuns.tree(dir, sftYaml("x", 2), List.of("optim.micro_batch=3"));
        e = assertThrows(IllegalArgumentException.class, () -> Settings.of(ConfigLoader.bind(t, "c"), dir, false));
        assertEquals("sft.batch_size (8) must be divisible by optim.micro_batch (3)", e.getMessage());
        ObjectNode g = TinyRuns.tree(dir, TinyRuns.grpoYaml("g", 2, 0, ""), List.of("grpo.num_generations=1"));
        e = assertThrows(IllegalArgumentException.class, () -> Settings.of(ConfigLoader.bind(g, "c"), dir, true));
        assertTrue(e.getMessage().startsWith("grpo.num_generations must be >= 2"), e.getMessage());
        ObjectNode lt = TinyRuns.tree(dir, TinyRuns.grpoYaml("g", 2, 0, ""), List.of("grpo.loss_type=ppo"));
        e = assertThrows(IllegalArgumentException.class, () -> Settings.of(ConfigLoader.bind(lt, "c"), dir, true));
        assertTrue(e.getMessage().contains("loss_type must be grpo, bnpo, dr_grpo or dapo, found 'ppo'"),
                e.getMessage());
        ObjectNode set = TinyRuns.tree(dir, sftYaml("x", 2), List.of("optim.lr=5e-7", "run.seed=9"));
        Settings ok = Settings.of(ConfigLoader.bind(set, "c"), dir, false);
        assertEquals(5e-7, ok.optim().lr(), 0);
        assertEquals(9, ok.run().seed());
    }

    @Test
    void schedulesAndWarmupFollowTransformers() throws IOException {
        TinyRuns.setUp(dir);
        // sftYaml: cosine, lr 0.02, warmup_ratio 0.1; of 25 steps ceil(2.5) = 3 warm up (floor would give 2)
        Settings cos = Settings.of(ConfigLoader.bind(TinyRuns.tree(dir, sftYaml("x", 25), List.of()), "c"), dir, false);
        assertEquals(3, cos.optim().warmup(25));
        assertEquals(0.0, cos.lr(0, 25), 1e-15, "warmup starts at lr 0 on the first optimizer step");
        assertEquals(0.02 / 3, cos.lr(1, 25), 1e-15, "lr * 1/3");
        assertEquals(0.02, cos.lr(3, 25), 1e-15, "peak at step W");
        // 0.02 * 0.5 * (1 + cos(pi * (14 - 3) / 22)) = 0.02 * 0.5 * (1 + cos(pi / 2)) = 0.01
        assertEquals(0.01, cos.lr(14, 25), 1e-12);
        Settings steps = Settings.of(ConfigLoader.bind(TinyRuns.tree(dir, sftYaml("x", 25), List.of(
                "optim.warmup_ratio=null", "optim.warmup_steps=4", "optim.schedule=constant_with_warmup")), "c"),
                dir, false);
        assertEquals(4, steps.optim().warmup(25));
        assertEquals(0.02 * 3 / 4, steps.lr(3, 25), 1e-15);
        assertEquals(0.02, steps.lr(4, 25), 1e-15);
        assertEquals(0.02, steps.lr(24, 25), 1e-15);
        Settings constant = Settings.of(ConfigLoader.bind(TinyRuns.tree(dir, sftYaml("x", 25), List.of(
                "optim.warmup_ratio=null", "optim.schedule=constant")), "c"), dir, false);
        assertEquals(0.02, constant.lr(0, 25), 1e-15, "constant takes no warmup: the peak from step 0");
        // linear: 0.02 * (25 - 10) / (25 - 3)
        Settings linear = Settings.of(ConfigLoader.bind(TinyRuns.tree(dir, sftYaml("x", 25), List.of(
                "optim.schedule=linear")), "c"), dir, false);
        assertEquals(0.02 * 15 / 22, linear.lr(10, 25), 1e-15);
    }

    @Test
    void warmupSettingsAreCheckedByName() throws IOException {
        TinyRuns.setUp(dir);
        Object[][] cases = {
            {List.of("optim.schedule=constant"), "optim.schedule constant has no warmup (as in transformers), found"
                    + " optim.warmup_ratio 0.1; use schedule constant_with_warmup, or drop the warmup"},
            {List.of("optim.warmup_steps=5"), "optim.warmup_ratio (0.1) and optim.warmup_steps (5) are both set;"
                    + " keep one"},
            {List.of("optim.warmup_ratio=null", "optim.warmup_steps=0.1"), "optim.warmup_steps must be a whole number"
                    + " of steps >= 0 (for a share of the steps use optim.warmup_ratio), found 0.1"},
            {List.of("optim.warmup_ratio=null", "optim.warmup_steps=-2"), "optim.warmup_steps must be a whole number"},
            {List.of("optim.schedule=cosine_with_restarts"), "optim.schedule must be one of [constant,"
                    + " constant_with_warmup, linear, cosine], found cosine_with_restarts"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            ObjectNode t = TinyRuns.tree(dir, sftYaml("x", 2), (List<String>) c[0]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Settings.of(ConfigLoader.bind(t, "c"), dir, false), c[0].toString());
            assertTrue(e.getMessage().startsWith((String) c[1]), e.getMessage());
        }
    }
}
