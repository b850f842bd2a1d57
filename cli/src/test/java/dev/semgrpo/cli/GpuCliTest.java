package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.nn.CausalLM;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code semgrpo doctor} on this (CPU-only) machine, and FP16 overflow as the commands report it. */
class GpuCliTest {
    @TempDir
    Path dir;

    @Test
    void doctorPassesOnTheCpuAndReportsAMissingGpuAsAFailure() {
        String out = CliRuns.succeeding("doctor", "--device", "cpu");
        assertTrue(out.contains("pytorch   2.7.1, flavour cpu from "), out);
        assertTrue(out.contains("ok    cpu tiny model float16: logits max error "), out);
        assertTrue(out.contains("all 4 checks passed"), out);

        CliRuns.Result r = CliRuns.run("doctor", "--device", "gpu:1");
        out = r.out();
        assertEquals(1, r.code(), out);
        assertTrue(out.contains("FAIL  gpu:1: the loaded PyTorch (flavour cpu) has no CUDA"), out);
        assertTrue(out.contains("PYTORCH_FLAVOR=cu128"), out);
        assertFalse(out.contains("Exception"), out);
    }

    @Test
    void doctorReportsAPyTorchThatDoesNotLoadWithTheVariablesToFix() throws Exception {
        // a fresh JVM whose PYTORCH_LIBRARY_PATH holds a libtorch that is not a library
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.writeString(lib.resolve(System.mapLibraryName("torch")), "not a library");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=off", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "doctor", "--device", "cpu");
        pb.environment().put("PYTORCH_LIBRARY_PATH", lib.toString());
        pb.environment().remove("PYTORCH_FLAVOR");
        pb.environment().remove("PYTORCH_VERSION");
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), out);
        assertTrue(out.contains("pytorch   not loaded (see below)"), out);
        assertTrue(out.contains("FAIL  load PyTorch: "), out);
        assertTrue(out.contains("fix: PYTORCH_VERSION is unset: set PYTORCH_VERSION=2.7.1"), out);
        assertTrue(out.contains("PYTORCH_FLAVOR is unset, so DJL looks for a 'cpu-precxx11' JNI"), out);
        assertTrue(out.contains("env       PYTORCH_FLAVOR=(unset) PYTORCH_VERSION=(unset) PYTORCH_LIBRARY_PATH="
                + lib), out);
        assertFalse(out.contains("\tat "), "no stack trace: " + out);
    }

    @Test
    void float16OverflowStopsGenerateAndLogprobsWithTheFix() throws Exception {
        Path base = CliRuns.initModel(dir, "base", "qwen3", 3, 5);
        // layer 1's MLP scaled by 1000: outputs near 1e6, finite in float32, past float16's 65504
        Path hot = dir.resolve("hot");
        try (CausalLM lm = CausalLM.load(base, Device.cpu(), DataType.FLOAT32)) {
            for (String p : new String[] {"gate_proj", "up_proj", "down_proj"}) {
                lm.parameters().get("model.layers.1.mlp." + p + ".weight").muli(1000f);
            }
            lm.save(hot, DType.F32, base, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        Path prompts = dir.resolve("p.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"hello there\"}\n");
        Path out = dir.resolve("o.jsonl");
        assertEquals(0, Main.run("generate", "--model", hot.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--max-new-tokens", "4"));
        Path out16 = dir.resolve("o16.jsonl");
        String err = CliRuns.failing("generate", "--model", hot.toString(), "--prompts", prompts.toString(), "--out",
                out16.toString(), "--max-new-tokens", "4", "--dtype", "float16");
        assertTrue(err.contains("error: non-finite logits (NaN or infinity) while generating prompt 0, sample 0,"
                + " new token 0: the first non-finite output is model.layers.1.mlp"), err);
        assertTrue(err.contains("run in float32 instead (--dtype float32"), err);
        assertFalse(Files.exists(out16), "nothing written");

        Path pairs = dir.resolve("pairs.jsonl");
        Files.writeString(pairs, "{\"prompt\": \"ab\", \"completion\": \"cd\"}\n");
        assertEquals(0, Main.run("logprobs", "--model", hot.toString(), "--data", pairs.toString(), "--out",
                dir.resolve("s.jsonl").toString()));
        err = CliRuns.failing("logprobs", "--model", hot.toString(), "--data", pairs.toString(), "--out",
                dir.resolve("s16.jsonl").toString(), "--dtype", "float16");
        assertTrue(err.contains("while scoring " + pairs + ":1: the first non-finite output is model.layers.1.mlp"),
                err);
    }
}
