package dev.semgrpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.run.CrashPoint;
import dev.semgrpo.trainer.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs that stopped before their first checkpoint, or while writing one, are continued by the same command. */
class RestartTest {
    @TempDir
    Path dir;

    /** A smaller run than TinyRuns' default: what these tests check does not depend on the size. */
    private static String yaml(String name, int steps) {
        return TinyRuns.grpoYaml(name, steps, 1, "").replace("num_generations: 8", "num_generations: 2")
                .replace("prompts_per_step: 4", "prompts_per_step: 2").replace("max_completion_length: 12",
                        "max_completion_length: 4").replace("micro_batch: 16", "micro_batch: 4");
    }

    private Path train(String yaml, Path resume, Trainer.Listener l) throws IOException {
        ConfigLoader.Loaded c = TinyRuns.load(dir, yaml, List.of(), true);
        return GrpoTrainer.train(c.settings(), c.rewards(), resume, l);
    }

    private List<String> checkpoints(Path run) throws IOException {
        return RunDirectory.checkpoints(run).stream().map(p -> p.getFileName().toString()).toList();
    }

    private long movedAside(String name) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
            return s.filter(p -> p.getFileName().toString().startsWith(name + ".interrupted-")).count();
        }
    }

    @Test
    void aRunStoppedBeforeItsFirstCheckpointOrWhoseSetUpFailedStartsAgainWithTheSameCommand() throws IOException {
        TinyRuns.setUp(dir);
        String yaml = yaml("early", 1);
        Path run = dir.resolve("runs/early");
        assertThrows(IllegalStateException.class, () -> train(yaml, null, (step, total, m) -> {
            throw new IllegalStateException("killed at step " + step);
        }));
        assertTrue(Files.exists(run.resolve("metrics.jsonl")), "the step was logged");
        assertEquals(List.of("step-1"), checkpoints(train(yaml, null, null)), "the same command starts again");
        assertEquals(1, movedAside("early"), "the stopped run was moved aside, not deleted");

        String resumed = yaml("early-resumed", 1);
        Path run2 = dir.resolve("runs/early-resumed");
        assertThrows(IllegalStateException.class, () -> train(resumed, null, (step, total, m) -> {
            throw new IllegalStateException("killed at step " + step);
        }));
        assertEquals(List.of("step-1"), checkpoints(train(resumed, run2, null)), "--resume without a checkpoint too");

        Files.writeString(dir.resolve("data.jsonl"), "{\"prompt\": \"a\"}\n"); // no reference
        String bad = yaml("bad-data", 1);
        assertThrows(IllegalArgumentException.class, () -> train(bad, null, null));
        TinyRuns.setUp(dir);
        assertEquals(List.of("step-1"), checkpoints(train(bad, null, null)), "fixed data, same command");
    }

    @Test
    void aCheckpointThatCannotBeWrittenKeepsTheLastGoodOneAndTheRunResumesFromIt() throws IOException {
        TinyRuns.setUp(dir);
        String yaml = yaml("full-disk", 2);
        Path run = dir.resolve("runs/full-disk");
        IOException e;
        System.setProperty(CrashPoint.PROPERTY, "checkpoint-files@2:fail");
        try {
            e = assertThrows(IOException.class, () -> train(yaml, null, null));
        } finally {
            System.clearProperty(CrashPoint.PROPERTY);
        }
        String msg = e.getMessage();
        assertTrue(msg.contains("checkpoint step-2 could not be written: " + run.resolve("checkpoints/.tmp-step-2/"
                + "optimizer.safetensors") + ": No space left on device"), msg);
        assertTrue(msg.contains("last good checkpoint is " + run.resolve("checkpoints/step-1")), msg);
        assertTrue(msg.contains("--resume " + run), msg);
        assertEquals(List.of("step-1"), checkpoints(run));
        assertFalse(Files.exists(run.resolve("checkpoints/.tmp-step-2")), "the half-written checkpoint is removed");
        train(yaml, run, null);
        assertEquals(List.of("step-1", "step-2"), checkpoints(run));
        assertEquals(2, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    }
}
