package dev.semgrpo.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.run.CrashPoint;
import dev.semgrpo.trainer.run.RunDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real kills: a GRPO run in a child JVM ({@link GrpoChild}) is killed with SIGKILL at several points (before its
 * first checkpoint is in place, mid-checkpoint, before old checkpoints are pruned, mid-step), each time continued by
 * the same command with {@code --resume}, and must end with the files of an uninterrupted run, byte for byte.
 */
class KillAndResumeTest {
    private static final int STEPS = 5;

    @TempDir
    Path dir;

    @Test
    void aRunKilledAtEveryKindOfMomentEndsBitIdenticalToAnUninterruptedOne() throws Exception {
        TinyRuns.setUp(dir);
        Files.writeString(dir.resolve("full.yaml"), TinyRuns.grpoYaml("full", STEPS, 1, "")
                .replace("keep_last: 3", "keep_last: 2"));
        Files.writeString(dir.resolve("killed.yaml"), TinyRuns.grpoYaml("killed", STEPS, 1, "")
                .replace("keep_last: 3", "keep_last: 2"));
        Path full = dir.resolve("runs/full");
        Path killed = dir.resolve("runs/killed");
        finish(child("full.yaml", null, null));

        killAtPoint(child("killed.yaml", null, "checkpoint-sealed@1:pause"));
        assertEquals(List.of(), names(killed), "step-1 was sealed but not in place");
        killAtPoint(child("killed.yaml", killed, "checkpoint-files@2:pause")); // no checkpoint yet: starts again
        assertEquals(List.of("step-1"), names(killed), "step-2 was half written");
        killAtPoint(child("killed.yaml", killed, "checkpoint-renamed@3:pause"));
        assertEquals(List.of("step-1", "step-2", "step-3"), names(killed), "killed before pruning");
        Process p = child("killed.yaml", killed, null);
        while (metricsLines(killed) < 4 && p.isAlive()) {
            Thread.sleep(20); // a kill at whatever moment of step 4 or 5 this lands on
        }
        p.destroyForcibly().waitFor();
        Files.writeString(killed.resolve("samples.jsonl"), "{\"step\": 5, \"prompt\": \"Say h\u00e9",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND); // a torn line, if the kill did not leave one
        finish(child("killed.yaml", killed, null));

        assertEquals(List.of("step-4", "step-5"), names(killed));
        try (Stream<Path> s = Files.list(killed.resolve("checkpoints"))) {
            assertEquals(List.of(), s.filter(x -> x.getFileName().toString().startsWith(".")).toList(),
                    "no temporary folder is left");
        }
        try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
            assertEquals(1, s.filter(x -> x.getFileName().toString().startsWith("killed.interrupted-")).count(),
                    "the folder without a checkpoint was moved aside, not deleted");
        }
        Path last = Path.of("checkpoints", "step-" + STEPS);
        List<Path> expected = files(full.resolve(last));
        assertEquals(expected.size(), files(killed.resolve(last)).size());
        for (Path f : expected) {
            Path g = killed.resolve(last).resolve(full.resolve(last).relativize(f));
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(g), "checkpoint file " + f.getFileName());
        }
        assertEquals(withoutTimes(full), withoutTimes(killed), "metrics.jsonl without the timings");
        assertArrayEquals(Files.readAllBytes(full.resolve("samples.jsonl")),
                Files.readAllBytes(killed.resolve("samples.jsonl")), "samples.jsonl");
    }

    private Process child(String config, Path resume, String crash) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dai.djl.offline=true",
                "-Dai.djl.default_engine=PyTorch",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path")));
        if (crash != null) {
            cmd.add("-D" + CrashPoint.PROPERTY + "=" + crash);
        }
        cmd.addAll(List.of(GrpoChild.class.getName(), dir.toString(), config));
        if (resume != null) {
            cmd.add(resume.toString());
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Waits for the child to pause at its crash point, then kills it with SIGKILL. */
    private static void killAtPoint(Process p) throws Exception {
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
                if (line.startsWith(CrashPoint.PROPERTY + " reached")) {
                    p.destroyForcibly().waitFor();
                    return;
                }
            }
        }
        p.waitFor();
        throw new AssertionError("the child ended (exit " + p.exitValue() + ") before its crash point:\n" + out);
    }

    private static void finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("done"), out);
    }

    private static List<String> names(Path run) throws IOException {
        return RunDirectory.checkpoints(run).stream().map(x -> x.getFileName().toString()).toList();
    }

    private static long metricsLines(Path run) throws IOException {
        Path m = run.resolve("metrics.jsonl");
        return Files.exists(m) ? Files.readString(m).chars().filter(c -> c == '\n').count() : 0;
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static List<JsonNode> withoutTimes(Path run) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            ObjectNode o = (ObjectNode) ConfigLoader.YAML.readTree(l);
            o.properties().removeIf(e -> e.getKey().startsWith("time/"));
            out.add(o);
        }
        return out;
    }
}
