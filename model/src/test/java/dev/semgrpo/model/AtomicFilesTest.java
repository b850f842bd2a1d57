package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private static AtomicFiles.Content text(String s) {
        return out -> out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesNewFilesAndReplacesOnlyWhenAsked() throws Exception {
        Path f = dir.resolve("sub/out.jsonl");
        AtomicFiles.write(f, false, text("one\n"));
        assertEquals("one\n", Files.readString(f), "missing parents are created");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, false, text("two\n")));
        assertTrue(e.getMessage().startsWith("cannot write " + f + ": ") && e.getMessage().contains("already exists"),
                e.getMessage());
        assertEquals("one\n", Files.readString(f), "an existing file is kept");
        AtomicFiles.write(f, true, text("three\n"));
        assertEquals("three\n", Files.readString(f));
        assertEquals(List.of("out.jsonl"), Files.list(f.getParent()).map(p -> p.getFileName().toString()).toList(),
                "no temporary file is left");
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFileAndSaysWhy() throws Exception {
        Path f = dir.resolve("out.jsonl");
        Files.writeString(f, "kept\n");
        AtomicFiles.Content diskFull = out -> {
            out.write(new byte[100_000]);
            throw new IOException("No space left on device");
        };
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, true, diskFull));
        assertEquals("cannot write " + f + ": the disk is full (No space left on device); free some space or choose"
                + " another disk (nothing was replaced)", e.getMessage());
        assertEquals("kept\n", Files.readString(f));
        assertEquals(List.of("out.jsonl"), names());
    }

    @Test
    void aParentThatIsAFileIsNamed() throws Exception {
        Path blocker = dir.resolve("notes.txt");
        Files.writeString(blocker, "x");
        Path f = blocker.resolve("deeper/out.jsonl");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, false, text("x")));
        assertEquals("cannot write " + f + ": " + blocker + " is a file, not a folder; choose another path",
                e.getMessage());
        assertEquals(List.of("notes.txt"), names());
    }

    @Test
    void aLeftoverTemporaryFileNeverBlocksARerun() throws Exception {
        Path f = dir.resolve("out.jsonl");
        for (String stale : List.of(".out.jsonl.tmp", "out.jsonl.tmp", ".out.jsonl.tmp-000000000000")) {
            Files.writeString(dir.resolve(stale), "from a killed run");
        }
        AtomicFiles.write(f, false, text("fresh\n"));
        assertEquals("fresh\n", Files.readString(f));
        assertEquals("from a killed run", Files.readString(dir.resolve("out.jsonl.tmp")), "not ours: untouched");
    }

    @Test
    void foldersAppearWholeOrNotAtAll() throws Exception {
        Path model = dir.resolve("model");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeFolder(model, d -> {
            Files.writeString(d.resolve("config.json"), "{}");
            Files.createDirectories(d.resolve("sub"));
            Files.writeString(d.resolve("sub/model.safetensors.tmp"), "half");
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().startsWith("cannot write " + model + ": the disk is full"), e.getMessage());
        assertEquals(List.of(), names(), "neither the folder nor its temporary twin is left");

        Files.createDirectory(model);
        AtomicFiles.writeFolder(model, d -> Files.writeString(d.resolve("config.json"), "{}"));
        assertEquals("{}", Files.readString(model.resolve("config.json")), "an empty folder is filled");
        assertEquals(List.of("model"), names());
        assertFalse(Files.exists(model.resolve("sub")));
    }
}
