package dev.semgrpo.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.trainer.GrpoTrainer;
import dev.semgrpo.trainer.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One GRPO step on the ~30M Qwen3-shaped benchmark model (G = 8, 4 prompts, 64 new tokens, full fine-tuning, chrF
 * + language rewards), timed by phase, with the update phase's model FLOPs utilisation against the machine's own
 * matmul rate measured in the same run. The first step warms up; the second is reported.
 */
public final class TrainerBenchmark {
    private TrainerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("bench-trainer");
        long params = ModelBenchmark.writeBenchmarkModel(work);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add("{\"prompt\": \"Translate into Tibetan, sentence " + i + ": the river runs past the school\","
                    + " \"reference\": \"chu bo slob grwa'i rgyab nas 'bab\"}");
        }
        Files.write(work.resolve("data.jsonl"), lines);
        String yaml = "run:\n  name: bench\n  output_dir: runs\n  seed: 1\n  max_steps: 2\n"
                + "model:\n  path: model\n"
                + "data:\n  path: data.jsonl\n  chat: false\n"
                + "optim:\n  lr: 1.0e-6\n  micro_batch: 8\n"
                + "grpo:\n  num_generations: 8\n  prompts_per_step: 4\n  max_completion_length: 64\n"
                + "  temperature: 1.0\n  loss_type: grpo\n"
                + "rewards:\n  rewards:\n    - {type: chrf, weight: 1.5}\n"
                + "    - {type: language, weight: 1.0, scripts: [latin], soft: true}\n";
        Files.writeString(work.resolve("bench.yaml"), yaml);
        ConfigLoader.Loaded l = ConfigLoader.load(work.resolve("bench.yaml"), List.of(), true);
        double matmul = ModelBenchmark.matmulGflops(Device.cpu());
        Path run = GrpoTrainer.train(l.settings(), l.rewards(), null, null);
        List<String> m = Files.readAllLines(run.resolve("metrics.jsonl"));
        JsonNode step = ConfigLoader.YAML.readTree(m.get(m.size() - 1));
        double gen = step.get("time/generate_s").asDouble();
        double score = step.get("time/score_s").asDouble();
        double upd = step.get("time/update_s").asDouble();
        double total = step.get("time/step_s").asDouble();
        long completionTokens = step.get("completion_tokens").asLong();
        // num_tokens is the running total of prompt + completion tokens trained on (TRL's meaning)
        long trainedTokens = step.get("num_tokens").asLong() - (m.size() > 1
                ? ConfigLoader.YAML.readTree(m.get(m.size() - 2)).get("num_tokens").asLong() : 0);
        double flops = 6.0 * params * trainedTokens;
        System.out.printf(Locale.ROOT, "model: qwen3, %,d parameters (full fine-tuning), matmul reference %.1f GFLOP/s%n",
                params, matmul);
        System.out.printf(Locale.ROOT, "GRPO step: 4 prompts x G=8, up to 64 new tokens (%d generated), micro-batch 8%n",
                completionTokens);
        System.out.printf(Locale.ROOT, "  generate %6.2fs  (%4.1f%%)  %.0f tokens/s%n", gen, 100 * gen / total,
                completionTokens / gen);
        System.out.printf(Locale.ROOT, "  score    %6.2fs  (%4.1f%%)%n", score, 100 * score / total);
        System.out.printf(Locale.ROOT, "  update   %6.2fs  (%4.1f%%)  %d tokens forward+backward, %.1f GFLOP/s ="
                + " %.0f%% of the matmul rate (model FLOPs utilisation, 6 x params x tokens)%n", upd, 100 * upd / total,
                trainedTokens, flops / upd / 1e9, 100 * flops / upd / 1e9 / matmul);
        System.out.printf(Locale.ROOT, "  other    %6.2fs  (%4.1f%%)  bookkeeping, metrics, samples%n",
                total - gen - score - upd, 100 * (total - gen - score - upd) / total);
        System.out.printf(Locale.ROOT, "  step     %6.2fs%n", total);
    }
}
