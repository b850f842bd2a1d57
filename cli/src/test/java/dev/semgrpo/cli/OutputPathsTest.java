package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output paths: existing files and inputs are never replaced, bad paths are named with the reason. */
class OutputPathsTest {
    private static final String DATA = "{\"completion\": \"The cat sat.\"}\n";
    private static final String SCORED = "{\"index\":0,\"reward\":1.0,\"language\":1.0,\"language_share\":1.0}\n";

    @TempDir
    Path dir;

    private Path config;
    private Path data;

    @BeforeEach
    void files() throws IOException {
        config = dir.resolve("r.yaml");
        Files.writeString(config, "rewards:\n  - type: language\n    scripts: [latin]\n");
        data = dir.resolve("d.jsonl");
        Files.writeString(data, DATA);
    }

    private String[] reward(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("reward", "--config", config.toString(), "--data", data.toString(),
                "--out", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static void assertFails(String expected, String... args) {
        String err = CliRuns.failing(args);
        assertTrue(err.contains(expected), err);
    }

    private long temporaryFiles() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(".tmp-")).count();
        }
    }

    @Test
    void anExistingOutputIsReplacedOnlyWithOverwrite() throws Exception {
        Path out = dir.resolve("r.jsonl");
        Files.writeString(out, "precious\n");
        String err = CliRuns.failing(reward(out));
        assertEquals("error: --out " + out + " already exists; pass --overwrite to replace it, or choose another path"
                + " (nothing was written)\n", err);
        assertEquals("precious\n", Files.readString(out));
        CliRuns.succeeding(reward(out, "--overwrite"));
        assertEquals(SCORED, Files.readString(out));
        assertEquals(0, temporaryFiles(), "no temporary file is left");
    }

    @Test
    void anInputIsNeverTheOutputEvenWithOverwrite() throws Exception {
        String err = CliRuns.failing(reward(data, "--overwrite"));
        assertTrue(err.contains("--out " + data + " is the same file as --data " + data + ", an input of this"
                + " command; choose another path (even --overwrite never replaces an input)"), err);
        Path link = Files.createSymbolicLink(dir.resolve("link.yaml"), config);
        err = CliRuns.failing(reward(link, "--overwrite"));
        assertTrue(err.contains("is the same file as --config " + config), err);
        assertEquals(DATA, Files.readString(data));

        // generate, logprobs and embed check before loading anything; a model folder's files are inputs too
        Path model = Files.createDirectory(dir.resolve("model"));
        Files.writeString(model.resolve("config.json"), "{}");
        err = CliRuns.failing("generate", "--model", model.toString(), "--prompts", data.toString(), "--out",
                data.toString(), "--overwrite");
        assertTrue(err.contains("is the same file as --prompts"), err);
        err = CliRuns.failing("logprobs", "--model", model.toString(), "--data", data.toString(), "--out",
                model.resolve("config.json").toString(), "--overwrite");
        assertTrue(err.contains("is a file of the --model folder " + model), err);
        err = CliRuns.failing("embed", "--model", model.toString(), "--data", data.toString(), "--out",
                data.toString(), "--overwrite");
        assertTrue(err.contains("is the same file as --data"), err);
        assertEquals("{}", Files.readString(model.resolve("config.json")));
        assertEquals(DATA, Files.readString(data));
    }

    @Test
    void badPathsAreNamedWithTheReason() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("folder"));
        assertFails("--out " + folder + " is a folder;", reward(folder, "--overwrite"));
        // a link to the device, so that a regression would replace the link and not /dev/full itself
        Path device = Files.createSymbolicLink(dir.resolve("device"), Path.of("/dev/full"));
        assertFails("--out " + device + " is not a regular file (a device, pipe or socket)",
                reward(device, "--overwrite"));
        Path deep = data.resolve("x/r.jsonl");
        assertFails("--out " + deep + ": cannot write there, " + data + " is a file, not a folder", reward(deep));
        Path model = dir.resolve("m");
        assertFails("--out " + data + " is a file; --out names a folder", "init-model", "--arch",
                "qwen3", "--hidden", "32", "--layers", "1", "--heads", "4", "--kv-heads", "2", "--vocab-from",
                data.toString(), "--out", data.toString());
        assertFails("--out " + data + " is a file; --out names a folder", "eval", "--model", model.toString(),
                "--tasks", "x", "--out", data.toString());
        Files.writeString(folder.resolve("report.md"), "mine");
        assertFails("--out " + folder + " exists and is not empty", "report", "--base", model.toString(),
                "--compare", "a=" + model, "--out", folder.toString());
        assertEquals("mine", Files.readString(folder.resolve("report.md")));

        Path fresh = dir.resolve("new/deeper/r.jsonl");
        CliRuns.succeeding(reward(fresh));
        assertTrue(Files.isRegularFile(fresh), "missing parent folders are created");
    }

    @Test
    void aFolderWithoutWritePermissionIsNamed() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root may write anywhere: nothing to check");
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            String err = CliRuns.failing(reward(locked.resolve("r.jsonl")));
            assertTrue(err.contains("no permission to write in " + locked), err);
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void temporaryFilesOfAKilledRunNeverBlockARerun() throws Exception {
        Path out = dir.resolve("r.jsonl");
        Files.writeString(dir.resolve(".r.jsonl.tmp-0123456789ab"), "half a line from a killed run");
        Files.writeString(dir.resolve("r.jsonl.tmp"), "{\"half");
        CliRuns.succeeding(reward(out));
        assertEquals(SCORED, Files.readString(out));
        assertEquals(1, temporaryFiles(), "only the killed run's own temporary file");
    }
}
