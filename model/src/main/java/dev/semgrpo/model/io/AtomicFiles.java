package dev.semgrpo.model.io;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Files written whole or not at all: to {@code <file>.tmp}, then an atomic rename. */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes a file's content to the temporary path it is given. */
    @FunctionalInterface
    public interface Body {
        void write(Path tmp) throws IOException;
    }

    /**
     * Writes {@code file} through {@code <file>.tmp} and an atomic rename, replacing {@code file}. When the write fails
     * the temporary file is removed and the error names {@code file} (a full disk's error names no file by itself).
     */
    public static void write(Path file, Body body) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            body.write(tmp);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException x) {
                e.addSuppressed(x);
            }
            if (e instanceof FileSystemException || e instanceof RuntimeException) {
                throw e;
            }
            throw new FileSystemException(file.toString(), null, String.valueOf(e.getMessage()));
        }
    }
}
