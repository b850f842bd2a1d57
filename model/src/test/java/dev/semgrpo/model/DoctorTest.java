package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorTest {
    @TempDir
    Path dir;

    @Test
    void cpuReportHasVersionsFlavourAndAPassingSelfTest() {
        Doctor.Report r = Doctor.run(List.of("cpu"));
        String text = String.join("\n", r.lines());
        assertTrue(r.ok(), text);
        assertEquals(Doctor.PYTORCH_VERSION, r.pytorch());
        assertEquals("cpu", r.flavor());
        assertTrue(r.intraOpThreads() >= 1 && r.interOpThreads() >= 1, text);
        assertEquals(List.of("cpu matmul float32", "cpu matmul float16", "cpu tiny model float32",
                "cpu tiny model float16"), r.checks().stream().map(Doctor.Check::name).toList());
        assertTrue(text.contains("pytorch   2.7.1, flavour cpu from "), text);
        assertTrue(text.contains("offline   "), text);
        assertTrue(text.contains("env       PYTORCH_FLAVOR="), text);
        assertTrue(text.contains("tf32      "), text);
        assertTrue(text.endsWith("all 4 checks passed"), text);
        // FP32 on the CPU is the reference itself; FP16 differs from it, but within its limit
        assertTrue(r.checks().get(2).detail().startsWith("logits max error 0.00e+00"), r.checks().get(2).detail());
        assertFalse(r.checks().get(3).detail().startsWith("logits max error 0.00e+00"), r.checks().get(3).detail());
    }

    @Test
    void aRequestedGpuWithoutCudaIsAFailureThatNamesTheFix() {
        Doctor.Report r = Doctor.run(List.of("gpu", "gpu:x"));
        assertFalse(r.ok());
        Doctor.Check gpu = r.checks().stream().filter(c -> c.name().equals("gpu:0")).findFirst().orElseThrow();
        assertFalse(gpu.ok());
        assertTrue(gpu.detail().contains("(flavour cpu) has no CUDA"), gpu.detail());
        assertTrue(gpu.fix().contains("PYTORCH_FLAVOR=cu128") && gpu.fix().contains("PYTORCH_LIBRARY_PATH"),
                gpu.fix());
        Doctor.Check bad = r.checks().stream().filter(c -> c.name().equals("device gpu:x")).findFirst().orElseThrow();
        assertTrue(bad.detail().contains("--device must be cpu, gpu or gpu:N, found 'gpu:x'"), bad.detail());
        String text = String.join("\n", r.lines());
        assertTrue(text.contains("FAIL  gpu:0: ") && text.contains("      fix: build the jar with"), text);
        assertTrue(text.endsWith("2 of 2 checks failed"), text);
    }

    @Test
    void flavourIsReadFromDjlCacheFolderNames() {
        assertEquals("cpu", Doctor.flavorOfCacheDir("2.7.1-20250812-cpu-linux-x86_64"));
        assertEquals("cu128", Doctor.flavorOfCacheDir("2.7.1-cu128-linux-x86_64"));
        assertEquals("cpu-precxx11", Doctor.flavorOfCacheDir("2.7.1-cpu-precxx11-linux-aarch64"));
        assertEquals(null, Doctor.flavorOfCacheDir("lib"));
    }

    @Test
    void aFlavourOtherThanTheOneAskedForIsAFailure() {
        assertEquals(null, Doctor.flavorMismatch(null, "cpu"));
        assertEquals(null, Doctor.flavorMismatch("cu128", "cu128"));
        Doctor.Check c = Doctor.flavorMismatch("cu128", "cpu");
        assertFalse(c.ok());
        assertEquals("PYTORCH_FLAVOR=cu128 but DJL loaded flavour cpu", c.detail());
        assertTrue(c.fix().contains("SEMGRPO_MAVEN_ARGS=-Pgpu") && c.fix().contains("falls back to the CPU build"),
                c.fix());
    }

    @Test
    void aLibraryPathDjlSkippedIsAFailure() {
        assertEquals(null, Doctor.libraryPathIgnored(null, "/root/.djl.ai/pytorch/2.7.1-cpu-linux-x86_64"));
        assertEquals(null, Doctor.libraryPathIgnored("/x:" + dir, dir.toString()));
        Doctor.Check c = Doctor.libraryPathIgnored(dir.toString(), "/root/.djl.ai/pytorch/x");
        assertFalse(c.ok());
        assertEquals("set to " + dir + " but PyTorch was loaded from /root/.djl.ai/pytorch/x", c.detail());
        assertTrue(c.fix().startsWith("DJL skips a PYTORCH_LIBRARY_PATH without"), c.fix());
        assertEquals("outer <- inner", Doctor.causes(new IllegalStateException("outer",
                new RuntimeException("inner", new RuntimeException("inner")))));
    }

    @Test
    void engineFixNamesEachVariableToChange() throws Exception {
        String fix = Doctor.engineFix(Map.of("PYTORCH_LIBRARY_PATH", dir.toString(), "DJL_CACHE_DIR",
                dir.resolve("cache").toString()), false);
        assertTrue(fix.contains("PYTORCH_LIBRARY_PATH=" + dir + " holds no " + System.mapLibraryName("torch")), fix);
        assertTrue(fix.contains("PYTORCH_VERSION is unset: set PYTORCH_VERSION=2.7.1"), fix);
        assertTrue(fix.contains("PYTORCH_FLAVOR is unset, so DJL looks for a 'cpu-precxx11' JNI"), fix);

        Files.createFile(dir.resolve(System.mapLibraryName("torch")));
        fix = Doctor.engineFix(Map.of("PYTORCH_LIBRARY_PATH", dir.toString(), "PYTORCH_VERSION", "2.7.1",
                "PYTORCH_FLAVOR", "cu128", "DJL_CACHE_DIR", dir.toString()), false);
        assertTrue(fix.startsWith("run with SEMGRPO_DEBUG=1"), fix);

        fix = Doctor.engineFix(Map.of("PYTORCH_FLAVOR", "cu121", "DJL_CACHE_DIR", dir.toString()), true);
        assertTrue(fix.contains("PYTORCH_FLAVOR=cu121 is not built by DJL for PyTorch 2.7.1: use cu128"), fix);
        assertTrue(fix.contains("run once with SEMGRPO_OFFLINE=false"), fix);

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        fix = Doctor.engineFix(Map.of("DJL_CACHE_DIR", file.resolve("cache").toString()), false);
        assertTrue(fix.contains("DJL_CACHE_DIR=" + file.resolve("cache") + " is not writable"), fix);
        assertTrue(fix.contains("with no PYTORCH_FLAVOR the CPU natives must be on the classpath"), fix);
    }
}
