package dev.semgrpo.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ProvenanceTest {
    @Test
    void theBuildRecordsItsOwnCommitAndDirtyFlagAsAResource() throws IOException {
        try (InputStream in = Provenance.class.getResourceAsStream(Provenance.BUILD_INFO)) {
            assertNotNull(in, "the Maven build writes " + Provenance.BUILD_INFO);
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(text.matches("(?s).*\\ncommit=([0-9a-f]{40}|unknown)\\ndirty=(true|false|unknown)\\n"), text);
        }
        Provenance.Build b = Provenance.build();
        ObjectNode o = Provenance.common();
        assertEquals(b.commit(), o.get("semgrpo_commit").asText());
        assertEquals(b.dirty(), o.get("semgrpo_build_dirty").asText());
        assertFalse(o.has("git_sha"));
    }

    @Test
    void malformedOrUnfilteredBuildValuesReadAsUnknown() {
        Properties p = new Properties();
        p.setProperty("commit", "${git.commit}");
        p.setProperty("dirty", "maybe");
        assertEquals(Provenance.Build.UNKNOWN, Provenance.Build.of(p));
        assertEquals(Provenance.Build.UNKNOWN, Provenance.Build.of(new Properties()));
        p.setProperty("commit", "0123456789abcdef0123456789abcdef01234567");
        p.setProperty("dirty", "false");
        assertEquals(new Provenance.Build("0123456789abcdef0123456789abcdef01234567", "false"),
                Provenance.Build.of(p));
    }

    @Test
    void theRecordedCommandHidesSecretsAndTheHardwareIsDescribed() {
        Provenance.recordCommand(List.of("semgrpo", "serve", "--api-key", "s3cret", "--api-key=other", "--port", "1"));
        assertEquals(List.of("semgrpo", "serve", "--api-key", SecretRedactor.MASK, "--api-key=" + SecretRedactor.MASK,
                "--port", "1"), Provenance.command());
        ObjectNode h = Provenance.hardware();
        assertTrue(h.get("cpu_cores").asInt() >= 1 && h.get("memory_bytes").asLong() > 0, h.toString());
        assertFalse(h.get("cpu").asText().isBlank(), h.toString());
        assertTrue(h.get("gpus").isNull() || h.get("gpus").isArray(), h.toString());
    }
}
