package dev.semgrpo.model.io;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What every {@code provenance.json} records about the software that wrote a result: when, which semgrpo version
 * and commit (baked into the jar by the Maven build, never read from the caller's working directory), the JVM and
 * the OS. Commands add their own fields (seed, devices, endpoints) to {@link #common()}.
 */
public final class Provenance {
    /** Written by the Maven build (model/pom.xml): {@code commit} and {@code dirty}. */
    static final String BUILD_INFO = "build-info.properties";

    private Provenance() {
    }

    /**
     * What the build of this jar recorded.
     *
     * @param commit the git commit of the semgrpo checkout it was built from, or "unknown" (not built from a git
     *     checkout of semgrpo, or git was missing)
     * @param dirty "true" when tracked files differed from that commit at build time, "false", or "unknown"
     */
    public record Build(String commit, String dirty) {
        /** What a build without a git checkout records. */
        public static final Build UNKNOWN = new Build("unknown", "unknown");

        /** Reads {@code props}; a missing, unfiltered or malformed value is "unknown". */
        static Build of(Properties props) {
            String c = props.getProperty("commit", "unknown");
            String d = props.getProperty("dirty", "unknown");
            return new Build(c.matches("[0-9a-f]{40,64}") ? c : "unknown",
                    d.equals("true") || d.equals("false") ? d : "unknown");
        }
    }

    /**
     * {@code created} (ISO-8601 instant), {@code semgrpo_version}, {@code semgrpo_commit} and
     * {@code semgrpo_build_dirty} ({@link Build}), {@code java} and {@code os}, in that order.
     */
    public static ObjectNode common() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("created", Instant.now().toString());
        o.put("semgrpo_version", version());
        Build b = build();
        o.put("semgrpo_commit", b.commit());
        o.put("semgrpo_build_dirty", b.dirty());
        o.put("java", System.getProperty("java.version") + " " + System.getProperty("java.vendor"));
        o.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        return o;
    }

    /** The Maven version this build was made from, or "unknown" when the build did not record it. */
    public static String version() {
        String v = resource("semgrpo.properties").getProperty("version", "unknown");
        return v.startsWith("${") ? "unknown" : v;
    }

    /** The commit and dirty flag the build recorded ({@link Build#UNKNOWN} when it recorded none). */
    public static Build build() {
        return Build.of(resource(BUILD_INFO));
    }

    private static Properties resource(String name) {
        Properties p = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream(name)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            p.clear(); // unreadable: every value is "unknown"
        }
        return p;
    }

    private static volatile List<String> command;

    /**
     * Records the command line this process runs ({@code semgrpo} and its arguments, set once by the CLI) for
     * {@link #command()}; the value of an option naming a secret ({@code --api-key KEY}, {@code --api-key=KEY}) is
     * replaced by {@link SecretRedactor#MASK}.
     */
    public static void recordCommand(List<String> args) {
        List<String> out = new ArrayList<>();
        boolean secretNext = false;
        for (String a : args) {
            if (secretNext) {
                out.add(SecretRedactor.MASK);
                secretNext = false;
            } else if (a.startsWith("--api-key=")) {
                out.add("--api-key=" + SecretRedactor.MASK);
            } else {
                out.add(a);
                secretNext = a.equals("--api-key");
            }
        }
        command = List.copyOf(out);
    }

    /**
     * The command line {@link #recordCommand} recorded, or, when this process was not started by the CLI (a test, an
     * embedding program), the JVM's main class and arguments as {@code sun.java.command} gives them ("unknown" when
     * the JVM does not say).
     */
    public static List<String> command() {
        List<String> c = command;
        if (c != null) {
            return c;
        }
        String jvm = System.getProperty("sun.java.command");
        return List.of(jvm == null || jvm.isBlank() ? "unknown" : jvm);
    }

    /**
     * The machine: {@code cpu} (the model name from /proc/cpuinfo, else the architecture), {@code cpu_cores} (the
     * processors this JVM may use), {@code memory_bytes} (physical memory, or null when the JVM does not say) and
     * {@code gpus} (one "name, memory" line per GPU as nvidia-smi lists them; an empty list when nvidia-smi runs and
     * lists none, null when it cannot run).
     */
    public static ObjectNode hardware() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("cpu", cpuModel());
        o.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            o.put("memory_bytes", os.getTotalMemorySize());
        } else {
            o.putNull("memory_bytes");
        }
        List<String> gpus = nvidiaSmi();
        if (gpus == null) {
            o.putNull("gpus");
        } else {
            gpus.forEach(o.putArray("gpus")::add);
        }
        return o;
    }

    private static String cpuModel() {
        Path info = Path.of("/proc/cpuinfo");
        if (Files.isReadable(info)) {
            try (Stream<String> lines = Files.lines(info, StandardCharsets.UTF_8)) {
                var name = lines.filter(l -> l.startsWith("model name") && l.contains(":"))
                        .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst();
                if (name.isPresent()) {
                    return name.get();
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // fall through to the architecture
            }
        }
        return System.getProperty("os.arch");
    }

    /** nvidia-smi's "name, memory.total" lines, or null when it cannot run or fails. */
    private static List<String> nvidiaSmi() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
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
