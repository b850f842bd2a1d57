package dev.semgrpo.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.run.CrashPoint;
import dev.semgrpo.trainer.run.RunDirectory;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files a run leaves for its user: final/, checkpoints/latest, trainer_state.json, provenance.json, samples. */
class RunFilesTest {
    @TempDir
    Path dir;

    private static JsonNode json(Path file) throws IOException {
        return ConfigLoader.YAML.readTree(file.toFile());
    }

    /** Every part of the settings but the config they were read from. */
    private static List<Object> parts(Settings s) {
        return java.util.Arrays.asList(s.run(), s.model(), s.data(), s.optim(), s.grpo(), s.rollout(), s.sft());
    }

    @Test
    void anSftRunEndsWithFinalLatestTrainerStateProvenanceAndSamplesAndResumesFromItsOwnConfig() throws IOException {
        TinyRuns.setUp(dir);
        Path cfg = dir.resolve("sft.yaml");
        Files.writeString(cfg, SftAndConfigTest.sftYaml("files", 4));
        Settings s = ConfigLoader.load(cfg, List.of("run.save_every=2", "run.keep_last=1", "run.sample_every=2"),
                false).settings();
        Instant before = Instant.now();
        Path run = SftTrainer.train(s, null, null);

        // final/: the last checkpoint's adapter, as PEFT loads it
        Path fin = Trainer.finalDir(run);
        assertEquals(run.resolve("final"), fin);
        for (String f : List.of(Lora.CONFIG, Lora.WEIGHTS)) {
            assertArrayEquals(Files.readAllBytes(run.resolve("checkpoints/step-4/adapter").resolve(f)),
                    Files.readAllBytes(fin.resolve(f)), f);
        }
        assertEquals(List.of("step-4"), names(run), "keep_last 1");
        assertEquals("step-4\n", Files.readString(run.resolve("checkpoints/latest")));
        assertEquals(run.resolve("checkpoints/step-4"), RunDirectory.latest(run).orElseThrow());

        // trainer_state.json: transformers' fields and semgrpo's own, in the checkpoint and in the finished run
        JsonNode st = json(run.resolve("trainer_state.json"));
        assertEquals(json(run.resolve("checkpoints/step-4/trainer_state.json")), st);
        assertEquals(4, st.get("global_step").asLong());
        assertEquals(4, st.get("max_steps").asLong());
        assertEquals(2, st.get("num_train_epochs").asLong(), "16 records, 8 per step: 2 steps per epoch");
        assertEquals(2.0, st.get("epoch").asDouble(), 1e-12);
        assertTrue(st.get("best_metric").isNull() && st.get("best_model_checkpoint").isNull(), st.toString());
        assertFalse(st.has("total_flos"), "no FLOP count is made up");
        assertEquals(4, st.get("step").asLong());
        assertEquals(32, st.get("cursor").asLong());
        List<Long> logged = new ArrayList<>();
        for (JsonNode h : st.get("log_history")) {
            logged.add(h.get("step").asLong());
            assertTrue(h.get("loss").isNumber() && h.get("learning_rate").isNumber(), h.toString());
            h.fieldNames().forEachRemaining(k -> assertFalse(k.startsWith("time/"), k));
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), logged);

        // provenance.json: the build, the command, the machine, start and end
        JsonNode p = json(run.resolve("provenance.json"));
        assertTrue(p.get("semgrpo_commit").asText().matches("[0-9a-f]{40}|unknown"), p.toString());
        assertTrue(List.of("true", "false", "unknown").contains(p.get("semgrpo_build_dirty").asText()));
        assertFalse(p.has("git_sha"), "no longer the caller's working directory");
        assertEquals("cpu", p.get("device").asText());
        assertTrue(p.get("command").size() >= 1, p.toString());
        assertTrue(p.get("hardware").get("cpu_cores").asInt() >= 1 && p.get("hardware").get("memory_bytes")
                .asLong() > 0 && !p.get("hardware").get("cpu").asText().isBlank(), p.toString());
        Instant started = Instant.parse(p.get("started").asText());
        Instant finished = Instant.parse(p.get("finished").asText());
        assertTrue(!started.isBefore(before.minusSeconds(1)) && !finished.isBefore(started), p.toString());

        // samples.jsonl: every sample_every steps, two examples with the teacher-forced argmax
        List<Long> sampled = new ArrayList<>();
        for (Jsonl.Line l : Jsonl.read(run.resolve("samples.jsonl"))) {
            JsonNode n = l.node();
            sampled.add(n.get("step").asLong());
            assertEquals("hello hello", n.get("reference").asText());
            assertTrue(n.get("prompt").asText().contains("Say hello"), n.toString());
            assertTrue(n.get("argmax").isTextual(), n.toString());
            double acc = n.get("argmax_accuracy").asDouble(-1);
            assertTrue(acc >= 0 && acc <= 1, n.toString());
        }
        assertEquals(List.of(2L, 2L, 4L, 4L), sampled);

        // config.resolved.yaml holds every effective value and loads back to equal settings
        Path resolved = run.resolve("config.resolved.yaml");
        JsonNode tree = json(resolved);
        assertEquals(List.of(0.9, 0.999), List.of(tree.at("/optim/betas/0").asDouble(),
                tree.at("/optim/betas/1").asDouble()));
        assertTrue(tree.at("/data/shuffle").asBoolean(false), tree.toString());
        assertEquals(7, tree.at("/model/lora/target_modules").size(), tree.toString());
        assertEquals(2, tree.at("/run/save_every").asInt());
        assertEquals(parts(s), parts(ConfigLoader.load(resolved, List.of(), false).settings()));

        // resumed from its own directory for two more steps: final/ and latest move on, the resume is recorded
        Settings more = ConfigLoader.load(resolved, List.of("run.max_steps=6"), false).settings();
        SftTrainer.train(more, run, null);
        assertEquals(List.of("step-6"), names(run));
        assertEquals("step-6\n", Files.readString(run.resolve("checkpoints/latest")));
        assertArrayEquals(Files.readAllBytes(run.resolve("checkpoints/step-6/adapter").resolve(Lora.WEIGHTS)),
                Files.readAllBytes(fin.resolve(Lora.WEIGHTS)));
        assertEquals(6, json(run.resolve("trainer_state.json")).get("global_step").asLong());
        JsonNode p2 = json(run.resolve("provenance.json"));
        assertEquals(1, p2.get("resumes").size(), p2.toString());
        assertEquals(4, p2.at("/resumes/0/from_step").asLong());
        assertEquals(p.get("started"), p2.get("started"));
        assertFalse(p2.get("finished").isNull());
        assertEquals(List.of(), leftovers(run), "no temporary file or folder is left");
    }

    @Test
    void aFullFineTuneEndsWithATransformersModelAndAFailedFinalWriteLeavesNoPartialFolder() throws IOException {
        TinyRuns.setUp(dir);
        String yaml = SftAndConfigTest.sftYaml("full", 2).replace("  lora:\n    r: 8\n    alpha: 16\n"
                + "    dropout: 0.0\n", "");
        Path cfg = dir.resolve("full.yaml");
        Files.writeString(cfg, yaml);
        Settings s = ConfigLoader.load(cfg, List.of(), false).settings();
        System.setProperty(CrashPoint.PROPERTY, "final-files@2:fail");
        try {
            FileSystemException e = assertThrows(FileSystemException.class, () -> SftTrainer.train(s, null, null));
            assertTrue(e.getMessage().contains("No space left"), e.getMessage());
        } finally {
            System.clearProperty(CrashPoint.PROPERTY);
        }
        Path run = dir.resolve("runs/full");
        assertFalse(Files.exists(run.resolve("final")), "no partial final/");
        assertEquals(List.of(), leftovers(run));
        assertTrue(json(run.resolve("provenance.json")).get("finished").isNull(), "the run did not finish");
        // the same run resumed (nothing left to train) ends properly
        SftTrainer.train(ConfigLoader.load(run.resolve("config.resolved.yaml"), List.of(), false).settings(), run,
                null);
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            assertTrue(Files.isRegularFile(run.resolve("final").resolve(f)), f);
        }
        assertFalse(json(run.resolve("provenance.json")).get("finished").isNull());
    }

    @Test
    void grpoSettingsRoundTripThroughTheResolvedConfigWithEveryDefault() throws IOException {
        TinyRuns.setUp(dir);
        String yaml = TinyRuns.grpoYaml("rt", 2, 0, "");
        String noPrompts = yaml.replace("  prompts_per_step: 4\n", "");
        for (List<String> sets : List.of(List.<String>of(), List.of("optim.schedule=linear", "optim.warmup_steps=2",
                "optim.betas=[0.8, 0.95]", "grpo.loss_type=dr_grpo", "grpo.kl_estimator=k1"),
                List.of("optim.gradient_accumulation_steps=2", "rollout.backend=local", "rollout.timeout_s=12.5"))) {
            ConfigLoader.Loaded l = TinyRuns.load(dir, sets.isEmpty() || !sets.get(0).startsWith("optim.gradient")
                    ? yaml : noPrompts, sets, true);
            Path file = dir.resolve("resolved.yaml");
            Files.deleteIfExists(file);
            ConfigLoader.write(file, ConfigLoader.resolved(l.settings(), l.rewards()));
            ConfigLoader.Loaded back = ConfigLoader.load(file, List.of(), true);
            assertEquals(parts(l.settings()), parts(back.settings()), sets.toString());
            assertEquals(l.rewards(), back.rewards(), sets.toString());
            JsonNode t = json(file);
            assertEquals(l.settings().grpo().lossType().configName(), t.at("/grpo/loss_type").asText());
            assertTrue(t.at("/grpo/scale_rewards").isTextual() && t.at("/optim/eps").isNumber(), t.toString());
        }
    }

    private static List<String> names(Path run) throws IOException {
        return RunDirectory.checkpoints(run).stream().map(p -> p.getFileName().toString()).toList();
    }

    /** Temporary files and folders anywhere in the run directory. */
    private static List<Path> leftovers(Path run) throws IOException {
        try (Stream<Path> s = Files.walk(run)) {
            return s.filter(p -> p.getFileName().toString().contains(".tmp")).toList();
        }
    }
}
