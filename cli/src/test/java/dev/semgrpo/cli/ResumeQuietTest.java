package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A resumed run prints no PyTorch deprecation warning. PyTorch prints it once per process from native code (not
 * through System.err), so the resume runs in a fresh JVM whose whole output is read.
 */
class ResumeQuietTest {
    @TempDir
    Path dir;

    @Test
    void resumingRestoresWeightsAndOptimizerStateWithoutAWarning() throws Exception {
        Path configs = Files.isDirectory(Path.of("..", "configs")) ? Path.of("..", "configs") : Path.of("configs");
        assertEquals(0, Main.run("train", "sft", "--config", configs.resolve("tiny-debug-sft.yaml").toString(),
                "--set", "run.output_dir=" + dir, "--set", "model.path=" + dir.resolve("model"), "--set",
                "run.max_steps=2", "--set", "run.save_every=2"));
        Path run = dir.resolve("tiny-debug-sft");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "train", "sft", "--resume",
                run.toString(), "--set", "run.max_steps=3");
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size(), out);
        assertFalse(out.contains("Warning") || out.contains("deprecated"), out);
    }
}
