package dev.semgrpo.cli;

import dev.semgrpo.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks of a command's output path, made before any work: nothing written before is overwritten unless asked
 * ({@code --overwrite}), a command never writes over one of its own inputs, and a path that cannot be written is
 * named with the reason. The writing itself is atomic ({@link AtomicFiles}).
 */
final class OutputPaths {
    private OutputPaths() {
    }

    /** One input of the command: its option and path (a file or a folder; null when the option was not given). */
    record Input(String option, Path path) {
    }

    /**
     * Checks that {@code out}, the file named by {@code option}, may be written: it is not a folder or a device,
     * not the same file as an input nor a file inside an input folder, absent unless {@code overwrite}, and its
     * nearest existing parent is a folder this process may write to.
     */
    static void requireWritableFile(Path out, String option, boolean overwrite, List<Input> inputs)
            throws IOException {
        String what = option + " " + out;
        if (Files.exists(out)) {
            if (Files.isDirectory(out)) {
                throw new IllegalArgumentException(what + " is a folder; " + option + " names a file, e.g. "
                        + out.resolve("out.jsonl"));
            }
            if (!Files.isRegularFile(out)) {
                throw new IllegalArgumentException(what + " is not a regular file (a device, pipe or socket); "
                        + option + " names a regular file to create");
            }
            for (Input in : inputs) {
                checkNotInput(out, what, in);
            }
            if (!overwrite) {
                throw new IllegalArgumentException(what + " already exists; pass --overwrite to replace it, or"
                        + " choose another path (nothing was written)");
            }
        }
        requireWritable(out.toAbsolutePath().getParent(), what);
    }

    /** Refuses an existing file or a non-empty folder as the output folder named by {@code option}. */
    static void requireNewOrEmpty(Path dir, String option) throws IOException {
        requireFolder(dir, option);
        if (Files.isDirectory(dir)) {
            try (var s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException(option + " " + dir + " exists and is not empty; choose a new"
                            + " folder (nothing was overwritten)");
                }
            }
        }
        requireWritable(dir.toAbsolutePath().getParent(), option + " " + dir);
    }

    /** An output folder that may hold earlier results: it must be a folder, or absent with a writable parent. */
    static void requireFolder(Path dir, String option) {
        String what = option + " " + dir;
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(what + " is a file; " + option + " names a folder"
                    + " (nothing was overwritten)");
        }
        requireWritable(dir.toAbsolutePath(), what);
    }

    private static void checkNotInput(Path out, String what, Input in) throws IOException {
        if (in.path() == null || !Files.exists(in.path())) {
            return;
        }
        if (Files.isSameFile(out, in.path())) {
            throw new IllegalArgumentException(what + " is the same file as " + in.option() + " " + in.path()
                    + ", an input of this command; choose another path (even --overwrite never replaces an input)");
        }
        if (Files.isDirectory(in.path()) && out.toRealPath().startsWith(in.path().toRealPath())) {
            throw new IllegalArgumentException(what + " is a file of the " + in.option() + " folder " + in.path()
                    + ", an input of this command; choose a path outside it (even --overwrite never replaces an"
                    + " input)");
        }
    }

    /** The nearest existing one of {@code dir} and its parents must be a folder this process may write to. */
    private static void requireWritable(Path dir, String what) {
        Path p = AtomicFiles.nearestExisting(dir);
        if (p == null) {
            return;
        }
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException(what + ": cannot write there, " + p + " is a file, not a folder;"
                    + " choose another path");
        }
        if (!Files.isWritable(p)) {
            if (readOnly(p)) {
                throw new IllegalArgumentException(what + ": cannot write there, the file system of " + p
                        + " is read-only; choose a writable folder");
            }
            throw new IllegalArgumentException(what + ": cannot write there, no permission to write in " + p
                    + "; choose a folder you can write to or fix its permissions");
        }
    }

    private static boolean readOnly(Path p) {
        try {
            return Files.getFileStore(p).isReadOnly();
        } catch (IOException e) {
            return false;
        }
    }
}
