package dev.semgrpo.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Guards for output directories: nothing written before is overwritten. */
final class OutputDirs {
    private OutputDirs() {
    }

    /** Refuses an existing, non-empty directory. */
    static void requireNewOrEmpty(Path dir, String option) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException(option + " " + dir + " exists and is not empty; choose a new"
                            + " directory (nothing was overwritten)");
                }
            }
        }
    }
}
