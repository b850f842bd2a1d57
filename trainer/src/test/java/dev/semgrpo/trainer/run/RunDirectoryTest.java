package dev.semgrpo.trainer.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {
    @TempDir
    Path dir;

    private RunDirectory reopen(long step) throws IOException {
        Files.writeString(dir.resolve("config.resolved.yaml"), "run: {}\n");
        return RunDirectory.resume(dir, step);
    }

    private List<String> checkpointNames() throws IOException {
        return RunDirectory.checkpoints(dir).stream().map(p -> p.getFileName().toString()).toList();
    }

    @Test
    void resumeDropsATornLastLineEvenInsideAUtf8SequenceAndLinesPastTheCheckpoint() throws IOException {
        byte[] tibetan = "\"ཡིག\"".getBytes(StandardCharsets.UTF_8);
        byte[] torn = Arrays.copyOf(tibetan, 3); // a quote and half of a three-byte letter
        String kept = "{\"step\":1,\"x\":\"བོད\"}\n{\"step\":2}\n";
        Files.write(dir.resolve("samples.jsonl"), concat((kept + "{\"step\":3}\n{\"step\":4,\"c\":")
                .getBytes(StandardCharsets.UTF_8), torn));
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n{\"st");
        reopen(2).close();
        assertEquals(kept, Files.readString(dir.resolve("samples.jsonl")));
        assertEquals("{\"step\":1}\n{\"step\":2}\n", Files.readString(dir.resolve("metrics.jsonl")));
        assertFalse(Files.exists(dir.resolve("metrics.jsonl.tmp")));
    }

    @Test
    void aDamagedCompleteLineIsAnErrorNamingItsLine() throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"step\":1}\n{oops}\n{\"step\":2}\n");
        IOException e = assertThrows(IOException.class, () -> reopen(2));
        assertTrue(e.getMessage().contains("metrics.jsonl:2: not a JSON line with a 'step' ({oops})"), e.getMessage());
    }

    @Test
    void onlySealedCheckpointsWhoseFilesAreAllThereCount() throws IOException {
        try (RunDirectory rd = reopen(0)) {
            for (long step = 1; step <= 3; step++) {
                Path tmp = rd.beginCheckpoint(step);
                Files.createDirectories(tmp.resolve("adapter"));
                Files.writeString(tmp.resolve("adapter/w.safetensors"), "weights " + step);
                rd.commitCheckpoint(tmp, step, 5);
            }
        }
        assertEquals(List.of("step-1", "step-2", "step-3"), checkpointNames());
        String marker = Files.readString(dir.resolve("checkpoints/step-1/checkpoint.json"));
        assertTrue(marker.contains("\"adapter/w.safetensors\" : 9"), marker);
        Files.createDirectories(dir.resolve("checkpoints/step-7")); // empty
        Files.writeString(dir.resolve("checkpoints/step-3/adapter/w.safetensors"), "cut"); // partial
        Files.delete(dir.resolve("checkpoints/step-2/checkpoint.json")); // never sealed
        Files.createDirectories(dir.resolve("checkpoints/step-9"));
        Files.copy(dir.resolve("checkpoints/step-1/checkpoint.json"),
                dir.resolve("checkpoints/step-9/checkpoint.json"));
        assertEquals(List.of("step-1"), checkpointNames(), "step-9 holds the marker of another step");
    }

    @Test
    void aKilledCheckpointsTemporaryFolderIsRemovedWhenTheRunReopensAndPruningNeverLeavesAPartialStep()
            throws IOException {
        try (RunDirectory rd = reopen(0)) {
            Path tmp = rd.beginCheckpoint(4);
            Files.writeString(tmp.resolve("half"), "x");
            for (long step = 1; step <= 3; step++) {
                Path t = rd.beginCheckpoint(step);
                Files.writeString(t.resolve("w"), "w" + step);
                rd.commitCheckpoint(t, step, 2);
            }
            assertEquals(List.of("step-2", "step-3"), checkpointNames());
        }
        Files.writeString(dir.resolve("checkpoints/.latest.tmp-0a1b2c"), "step-"); // a kill mid-write
        Files.writeString(dir.resolve(".provenance.json.tmp-0a1b2c"), "{");
        Files.createDirectories(dir.resolve(".tmp-final"));
        Files.writeString(dir.resolve(".keep.tmp-0a1b2c"), "not the run's: kept");
        reopen(3).close();
        assertArrayEquals(new String[] {".keep.tmp-0a1b2c", ".lock", "checkpoints", "config.resolved.yaml",
            "metrics.jsonl", "samples.jsonl"}, Arrays.stream(dir.toFile().list()).filter(n -> !n.startsWith("events"))
                .sorted().toArray(), "the run's own leftovers are removed, nothing else");
        assertArrayEquals(new String[] {"latest", "step-2", "step-3"},
                Arrays.stream(dir.resolve("checkpoints").toFile().list()).sorted().toArray(), "no .tmp folder left");
    }

    @Test
    void latestNamesTheNewestCompleteCheckpointThroughRotationAndIsRepairedWhenTheRunReopens() throws IOException {
        Path latest = dir.resolve("checkpoints").resolve(RunDirectory.LATEST);
        try (RunDirectory rd = reopen(0)) {
            assertFalse(Files.exists(latest), "no checkpoint, no pointer");
            for (long step = 1; step <= 3; step++) {
                Path t = rd.beginCheckpoint(step);
                Files.writeString(t.resolve("w"), "w" + step);
                rd.commitCheckpoint(t, step, 1);
                assertEquals("step-" + step + "\n", Files.readString(latest), "after step " + step);
                assertEquals(List.of("step-" + step), checkpointNames());
            }
        }
        Files.writeString(latest, "step-9\n"); // changed by hand: names no checkpoint
        assertTrue(RunDirectory.latest(dir).isEmpty());
        reopen(3).close();
        assertEquals("step-3\n", Files.readString(latest));
        assertEquals(dir.resolve("checkpoints/step-3"), RunDirectory.latest(dir).orElseThrow());
        Files.writeString(dir.resolve("checkpoints/step-3/w"), "cut"); // the newest is no longer complete
        reopen(0).close();
        assertFalse(Files.exists(latest), "no complete checkpoint: no pointer");
    }

    @Test
    void anOpenRunCannotBeOpenedAgainUntilItIsClosed() throws IOException {
        try (RunDirectory rd = reopen(0)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunDirectory.resume(dir, 0));
            assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("another semgrpo process"),
                    e.getMessage());
        }
        reopen(0).close();
    }

    @Test
    void aFailedAtomicWriteLeavesNeitherTheFileNorItsTemporaryFile() {
        Path file = dir.resolve("stage.json");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, tmp -> {
            Files.writeString(tmp, "{\"half\":");
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("No space left"),
                e.getMessage());
        assertEquals(0, dir.toFile().list().length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
