package dev.semgrpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training runs in float32: float16 or bfloat16 is refused with the reason and the fix. */
class TrainingDtypeTest {
    @TempDir
    Path dir;

    @Test
    void float16AndBfloat16TrainingAreRefusedWithTheReason() throws Exception {
        TinyRuns.setUp(dir);
        for (String dtype : List.of("float16", "bfloat16")) {
            ObjectNode t = TinyRuns.tree(dir, SftAndConfigTest.sftYaml("x", 2), List.of("model.dtype=" + dtype));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Settings.of(ConfigLoader.bind(t, "c"), dir, false));
            String m = e.getMessage();
            assertTrue(m.startsWith("model.dtype must be float32, found " + dtype + ": training in float16 would need"
                    + " dynamic loss scaling and FP32 master weights, which semgrpo does not implement"), m);
            assertTrue(m.contains("Remove model.dtype or set it to float32") && m.contains("scripts/semgrpo --tf32"), m);
        }
        ObjectNode ok = TinyRuns.tree(dir, SftAndConfigTest.sftYaml("x", 2), List.of("model.dtype=float32"));
        assertEquals("x", Settings.of(ConfigLoader.bind(ok, "c"), dir, false).run().name());
    }
}
