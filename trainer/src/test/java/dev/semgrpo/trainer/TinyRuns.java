package dev.semgrpo.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.trainer.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Tiny runs for tests: a byte-level tokenizer, a random 2-layer Qwen3 created on first use, a few prompts. */
final class TinyRuns {
    private TinyRuns() {
    }

    static Path setUp(Path dir) throws IOException {
        ByteLevelTokenizer.write(dir.resolve("tok"));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            lines.add("{\"prompt\": \"Say hello " + i + "\", \"reference\": \"hello hello\"}");
        }
        Files.write(dir.resolve("data.jsonl"), lines);
        return dir;
    }

    static String grpoYaml(String name, int steps, int saveEvery, String extra) {
        return "run:\n  name: " + name + "\n  output_dir: runs\n  seed: 3\n  max_steps: " + steps + "\n  save_every: "
                + saveEvery + "\n  keep_last: 3\n"
                + "model:\n  path: model\n  init:\n    arch: qwen3\n    hidden: 32\n    layers: 2\n    heads: 4\n"
                + "    kv_heads: 2\n    tokenizer: tok/tokenizer.json\n    seed: 5\n"
                + "data:\n  path: data.jsonl\n  chat: false\n"
                + "optim:\n  lr: 0.01\n  weight_decay: 0.0\n  micro_batch: 16\n  max_grad_norm: 1.0\n"
                + "grpo:\n  num_generations: 8\n  prompts_per_step: 4\n  max_completion_length: 12\n"
                + "  temperature: 1.0\n  loss_type: bnpo\n"
                + "rewards:\n  rewards:\n    - type: chrf\n" + extra;
    }

    static ObjectNode tree(Path dir, String yaml, List<String> sets) throws IOException {
        Path f = dir.resolve("cfg-" + Math.abs(yaml.hashCode()) + ".yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.tree(f, sets);
    }

    /** Writes {@code yaml} into {@code dir} and loads it as {@code semgrpo train} does. */
    static ConfigLoader.Loaded load(Path dir, String yaml, List<String> sets, boolean grpo) throws IOException {
        Path f = dir.resolve("cfg-" + Math.abs(yaml.hashCode()) + ".yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f, sets, grpo);
    }
}
