package dev.semgrpo.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.SafetensorsFile;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpoTrainerTest {
    @TempDir
    Path dir;

    private static List<JsonNode> metrics(Path run) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            out.add(ConfigLoader.YAML.readTree(l));
        }
        return out;
    }

    private Path train(String yaml, Path resume, GrpoTrainer.Listener l) throws IOException {
        ConfigLoader.Loaded c = TinyRuns.load(dir, yaml, List.of(), true);
        return GrpoTrainer.train(c.settings(), c.rewards(), resume, l);
    }

    @Test
    void grpoRaisesAVerifiableRewardAndWritesTheRunDirectory() throws IOException {
        TinyRuns.setUp(dir);
        Path run = train(TinyRuns.grpoYaml("learn", 30, 10, ""), null, null);
        List<JsonNode> m = metrics(run);
        assertEquals(30, m.size());
        double first = (m.get(0).get("reward").asDouble() + m.get(1).get("reward").asDouble()
                + m.get(2).get("reward").asDouble()) / 3;
        double last = (m.get(27).get("reward").asDouble() + m.get(28).get("reward").asDouble()
                + m.get(29).get("reward").asDouble()) / 3;
        assertTrue(last > first + 0.1, "chrF reward should rise: " + first + " -> " + last);
        // TRL's names (docs/metrics.md), and ours where TRL has none
        for (String key : List.of("epoch", "loss", "grad_norm", "learning_rate", "reward", "reward_std",
                "rewards/chrf/mean", "rewards/chrf/std", "frac_reward_zero_std", "kl", "entropy",
                "clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean", "num_tokens",
                "completions/mean_length", "completions/min_length", "completions/max_length",
                "completions/clipped_ratio", "completions/mean_terminated_length",
                "completions/min_terminated_length", "completions/max_terminated_length", "completion_tokens",
                "ratio/mean", "advantage/mean", "time/generate_s", "time/update_s", "nonfinite_streak")) {
            assertTrue(m.get(0).has(key), "metrics.jsonl has " + key + ": " + m.get(0));
        }
        for (String old : List.of("lr", "tokens", "truncated_share", "completion_length_mean",
                "completion_length_min", "completion_length_max")) {
            assertFalse(m.get(0).has(old), "the old name " + old + " is gone: " + m.get(0));
        }
        // num_tokens counts prompt and completion tokens since the run began (TRL's meaning)
        long before = 0;
        for (JsonNode x : m) {
            long step = x.get("num_tokens").asLong() - before;
            assertTrue(step > x.get("completion_tokens").asLong(), "prompts count too: " + x);
            assertEquals(32 * x.get("completions/mean_length").asDouble(), x.get("completion_tokens").asDouble(),
                    1e-6, "4 prompts x G = 8 completions");
            assertTrue(x.get("completions/min_length").asInt() <= x.get("completions/max_length").asInt());
            before = x.get("num_tokens").asLong();
        }
        assertTrue(Files.exists(run.resolve("config.resolved.yaml")));
        assertTrue(Files.exists(run.resolve("provenance.json")));
        assertTrue(Files.size(run.resolve("samples.jsonl")) > 0);
        assertTrue(Files.exists(run.resolve("plots/reward.png")));
        assertTrue(Files.exists(run.resolve("plots/reward.csv")), "the plotted data beside the plot");
        // TensorBoard: one event file; each of the 30 steps is one record (read back field by field in model's
        // TensorBoardEventsTest), so the file is longer than the version record alone
        List<Path> events = eventFiles(run);
        assertEquals(1, events.size(), events.toString());
        assertTrue(Files.size(events.get(0)) > 30 * 100, events + ": " + Files.size(events.get(0)) + " bytes");
        assertEquals(List.of("step-10", "step-20", "step-30"), RunDirectory.checkpoints(run).stream()
                .map(p -> p.getFileName().toString()).toList());
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                () -> train(TinyRuns.grpoYaml("learn", 30, 10, ""), null, null));
        assertTrue(again.getMessage().contains("--resume"), again.getMessage());
    }

    @Test
    void klToBothReferenceKindsWithSeveralIterationsAndMaskedTruncation() throws IOException {
        TinyRuns.setUp(dir);
        for (String lora : List.of("  lora:\n    r: 4\n    alpha: 8\n    dropout: 0.0\n", "")) {
            String kind = lora.isEmpty() ? "full" : "lora";
            // mu = 1: the first step's policy is the reference and the ratio is 1
            Path one = train(TinyRuns.grpoYaml("kl1-" + kind, 3, 0, "").replace("grpo:\n",
                    "grpo:\n  beta: 0.1\n  mask_truncated_completions: true\n").replace("  init:\n", lora + "  init:\n"),
                    null, null);
            List<JsonNode> m1 = metrics(one);
            assertEquals(0.0, m1.get(0).get("kl").asDouble(), 1e-7, kind + ": policy = reference at step 1");
            assertEquals(1.0, m1.get(0).get("ratio/mean").asDouble(), 1e-6, kind + ": ratio 1 with mu = 1");
            assertTrue(m1.get(2).get("kl").asDouble() > 0, kind + ": KL grows once the policy moves");
            // mu = 2: the second pass over the same batch sees a moved policy: KL and the ratio leave 0 and 1
            Path two = train(TinyRuns.grpoYaml("kl2-" + kind, 1, 0, "").replace("grpo:\n",
                    "grpo:\n  num_iterations: 2\n  beta: 0.1\n").replace("  init:\n", lora + "  init:\n"), null,
                    null);
            JsonNode m2 = metrics(two).get(0);
            assertTrue(m2.get("kl").asDouble() > 0, kind + ": " + m2);
            assertTrue(Math.abs(m2.get("ratio/mean").asDouble() - 1) > 1e-6, kind + ": " + m2);
            for (Path r : List.of(one, two)) {
                for (JsonNode x : metrics(r)) {
                    assertTrue(Double.isFinite(x.get("loss").asDouble()) && x.get("nonfinite_streak").asInt() == 0);
                }
            }
        }
    }

    @Test
    void dynamicSamplingDropsZeroVarianceGroupsAndRefills() throws IOException {
        TinyRuns.setUp(dir);
        // references in Tibetan script: a random byte-level model never earns chrF, so every group is flat
        Files.write(dir.resolve("data.jsonl"), List.of("{\"prompt\": \"a\", \"reference\": \"བོད\"}",
                "{\"prompt\": \"b\", \"reference\": \"ཡིག\"}"));
        Path run = train(TinyRuns.grpoYaml("dyn", 1, 0, "") .replace("grpo:\n", "grpo:\n  dynamic_sampling: true\n"
                + "  max_resample: 2\n"), null, null);
        JsonNode m = metrics(run).get(0);
        assertEquals(8, m.get("dynamic_sampling/dropped_groups").asInt(), "4 prompts x 2 refill rounds dropped");
        assertEquals(1.0, m.get("frac_reward_zero_std").asDouble(), 0, "the last round is kept as it is");
        assertEquals(0.0, m.get("grad_norm").asDouble(), 0, "zero advantages and beta 0 give a zero gradient");
    }

    @Test
    void nonFiniteStepsAreSkippedThenStopTheRun() throws IOException {
        TinyRuns.setUp(dir);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> train(TinyRuns.grpoYaml("nan", 6, 0,
                "").replace("  lr: 0.01\n", "  lr: 1.0e30\n  max_grad_norm: 0\n").replace("  max_grad_norm: 1.0\n", "")
                .replace("run:\n", "run:\n  max_nonfinite_steps: 2\n"), null, null));
        assertTrue(e.getMessage().contains("2 consecutive steps had a non-finite loss or gradient norm"),
                e.getMessage());
        List<JsonNode> m = metrics(dir.resolve("runs/nan"));
        assertEquals(2, m.get(m.size() - 1).get("nonfinite_streak").asInt());
    }

    @Test
    void aRunKilledAfterACheckpointAndResumedEqualsTheUninterruptedRun() throws IOException {
        TinyRuns.setUp(dir);
        resumeEqualsUninterrupted("full", "", "model/model.safetensors");
    }

    @Test
    void resumeIsExactWithLoraAndDropoutToo() throws IOException {
        TinyRuns.setUp(dir);
        resumeEqualsUninterrupted("lora", "  lora:\n    r: 4\n    alpha: 8\n    dropout: 0.1\n",
                "adapter/adapter_model.safetensors");
    }

    /**
     * A run killed after its step-2 checkpoint and resumed must end with exactly the weights and metrics of an
     * uninterrupted run, on the first try: nothing in a step may depend on anything but the config, the seed and the
     * checkpoint (a resume that skipped the optimizer state failed both tests).
     */
    private void resumeEqualsUninterrupted(String tag, String lora, String weights) throws IOException {
        Function<String, String> yaml = name -> TinyRuns.grpoYaml(name, 4, 2, "")
                .replace("  init:\n", lora + "  init:\n");
        Path full = train(yaml.apply(tag + "-full"), null, null);
        Path killed;
        try {
            killed = train(yaml.apply(tag + "-killed"), null, (step, total, m) -> {
                if (step == 3) {
                    throw new IllegalStateException("simulated kill");
                }
            });
        } catch (IllegalStateException e) {
            killed = dir.resolve("runs/" + tag + "-killed");
        }
        assertEquals(List.of("step-2"), RunDirectory.checkpoints(killed).stream()
                .map(p -> p.getFileName().toString()).toList());
        train(yaml.apply(tag + "-killed"), killed, null);
        try (SafetensorsFile a = SafetensorsFile.open(full.resolve("checkpoints/step-4/" + weights));
                SafetensorsFile b = SafetensorsFile.open(killed.resolve("checkpoints/step-4/" + weights))) {
            for (String name : a.tensors().keySet()) {
                assertArrayEquals(a.floats(name), b.floats(name), name);
            }
        }
        List<JsonNode> ma = metrics(full);
        List<JsonNode> mb = metrics(killed);
        assertEquals(4, mb.size(), "metrics of the lost step were cut and rewritten");
        assertEquals(2, eventFiles(killed).size(), "the resumed run writes a second TensorBoard file");
        for (int i = 0; i < 4; i++) {
            for (String key : List.of("reward", "loss", "grad_norm", "num_tokens")) {
                assertEquals(ma.get(i).get(key).asDouble(), mb.get(i).get(key).asDouble(), 0, "step " + (i + 1) + " "
                        + key);
            }
        }
    }

    private static List<Path> eventFiles(Path run) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(run)) {
            return s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).sorted().toList();
        }
    }
}
