package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/semgrpo's launcher flags, run against a copy of the script in a checkout-shaped folder whose jar is up to
 * date (so nothing is built) and a {@code java} on PATH that prints what it was given.
 */
class LauncherTest {
    @TempDir
    Path dir;

    private String[] launch(Map<String, String> env, String... args) throws Exception {
        return launchVia(null, dir, env, args);
    }

    /** Runs the launcher copy, through {@code link} when not null, with {@code cwd} as the working folder. */
    private String[] launchVia(Path link, Path cwd, Map<String, String> env, String... args) throws Exception {
        Path script = dir.resolve("scripts/semgrpo");
        if (!Files.exists(script)) {
            Files.createDirectories(script.getParent());
            Files.copy(Path.of(System.getProperty("user.dir")).resolveSibling("scripts/semgrpo"), script);
            Files.createDirectories(dir.resolve("cli/target"));
            Files.writeString(dir.resolve("cli/target/semgrpo.jar"), "");
            Path java = dir.resolve("bin/java");
            Files.createDirectories(java.getParent());
            Files.writeString(java, "#!/bin/sh\necho \"TF32=${TORCH_ALLOW_TF32_CUBLAS_OVERRIDE:-unset}\"\n"
                    + "for a in \"$@\"; do echo \"arg=$a\"; done\n");
            Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String[] cmd = new String[args.length + 2];
        cmd[0] = "bash";
        cmd[1] = link != null ? link.toString() : script.toString();
        System.arraycopy(args, 0, cmd, 2, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(cwd.toFile());
        pb.environment().remove("TORCH_ALLOW_TF32_CUBLAS_OVERRIDE");
        pb.environment().remove("SEMGRPO_TF32");
        pb.environment().put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new String[] {String.valueOf(p.waitFor()), out};
    }

    @Test
    void tf32FlagOrVariableSetsTheTorchOverrideBeforeJavaStarts() throws Exception {
        String[] r = launch(Map.of(), "--tf32", "doctor", "--device", "gpu");
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].startsWith("TF32=1\n"), r[1]);
        assertTrue(r[1].endsWith("arg=doctor\narg=--device\narg=gpu\n"), "the flag is removed: " + r[1]);

        r = launch(Map.of("SEMGRPO_TF32", "1"), "doctor");
        assertTrue(r[1].startsWith("TF32=1\n") && r[1].endsWith("arg=doctor\n"), r[1]);

        r = launch(Map.of(), "doctor");
        assertTrue(r[1].startsWith("TF32=unset\n"), "off unless asked: " + r[1]);

        r = launch(Map.of(), "doctor", "--tf32");
        assertTrue(r[1].startsWith("TF32=unset\n") && r[1].endsWith("arg=doctor\narg=--tf32\n"),
                "after the subcommand it is the subcommand's option: " + r[1]);

        r = launch(Map.of("SEMGRPO_TF32", "yes"), "doctor");
        assertEquals("2", r[0], r[1]);
        assertEquals("semgrpo: SEMGRPO_TF32 must be 0 or 1, found 'yes'\n", r[1]);
    }

    @Test
    void worksThroughSymlinksFromAnyFolder() throws Exception {
        launch(Map.of(), "doctor"); // lays out the checkout
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere/bin"));
        Path cwd = Files.createDirectories(dir.resolve("work/somewhere"));
        Path link = Files.createSymbolicLink(elsewhere.resolve("semgrpo"), dir.resolve("scripts/semgrpo"));
        // a relative link to that link: two hops, the second relative to the first's folder
        Path link2 = Files.createSymbolicLink(cwd.resolve("sg"), Path.of("../../elsewhere/bin/semgrpo"));
        String root = dir.toRealPath().toString();
        for (Path via : new Path[] {link, link2}) {
            String[] r = launchVia(via, cwd, Map.of(), "doctor");
            assertEquals("0", r[0], r[1]);
            assertTrue(r[1].contains("arg=-Dsemgrpo.home=" + root + "\n"), via + ": " + r[1]);
            assertTrue(r[1].contains("arg=" + root + "/cli/target/semgrpo.jar\narg=dev.semgrpo.cli.Main\narg=doctor\n"),
                    via + ": " + r[1]);
        }
    }
}
