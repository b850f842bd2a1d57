package dev.semgrpo.model.io;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Properties;

/**
 * What every {@code provenance.json} records about the software that wrote a result: when, which semgrpo version,
 * the git commit of the working directory, the JVM and the OS. Commands add their own fields (seed, devices,
 * endpoints) to {@link #common()}.
 */
public final class Provenance {
    private Provenance() {
    }

    /**
     * {@code created} (ISO-8601 instant), {@code semgrpo_version}, {@code git_sha} ("unknown" outside a git
     * checkout), {@code java} and {@code os}, in that order.
     */
    public static ObjectNode common() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("created", Instant.now().toString());
        o.put("semgrpo_version", version());
        o.put("git_sha", gitSha());
        o.put("java", System.getProperty("java.version") + " " + System.getProperty("java.vendor"));
        o.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        return o;
    }

    /** The Maven version this build was made from, or "unknown" when the build did not record it. */
    public static String version() {
        try (InputStream in = Provenance.class.getResourceAsStream("semgrpo.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** {@code git rev-parse HEAD} in the working directory, or "unknown". */
    public static String gitSha() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** The SHA-256 of {@code text}'s UTF-8 bytes, as 64 lower-case hex digits. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides SHA-256", e);
        }
    }
}
