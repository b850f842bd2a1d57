package dev.semgrpo.model.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Files and folders written whole or not at all. The content goes to a temporary name in the target's own folder
 * ({@code .<name>.tmp-<random>}), is synced to disk and then renamed into place; on any failure the temporary file or
 * folder is deleted, so a failed command leaves nothing behind. Temporary names are fresh for every write, so one
 * left by a killed process never blocks a rerun (it can be deleted by hand). Errors name the path and say why it
 * could not be written (a parent that is a file, no permission, a full disk, a read-only file system).
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /** The bytes of one file, written to a buffered stream. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code out}. */
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes a whole file at the temporary path it is given (for writers that take a path, not a stream). */
    @FunctionalInterface
    public interface Body {
        /** Writes the whole content to the file {@code tmp}. */
        void write(Path tmp) throws IOException;
    }

    /** The files of one new folder, written into {@code dir}. */
    @FunctionalInterface
    public interface FolderContent {
        /** Writes every file of the folder into {@code dir} (a fresh, empty folder). */
        void writeTo(Path dir) throws IOException;
    }

    /**
     * Writes {@code file} atomically, creating missing parent folders. An existing file is replaced only when
     * {@code replace} is set; otherwise the write fails and the file is left as it was.
     *
     * @throws IOException naming the file and the reason (see {@link #explain})
     */
    public static void write(Path file, boolean replace, Content content) throws IOException {
        commit(file, replace, tmp -> {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), 1 << 16)) {
                content.writeTo(out);
            }
        });
    }

    /**
     * Writes {@code file} atomically through a writer that takes a path, replacing an existing file; the temporary
     * file is synced before the rename and deleted on any failure.
     *
     * @throws IOException naming the file and the reason (see {@link #explain})
     */
    public static void write(Path file, Body body) throws IOException {
        commit(file, true, body);
    }

    /** Writes {@code body} at a fresh temporary name beside {@code file}, syncs it and renames it into place. */
    private static void commit(Path file, boolean replace, Body body) throws IOException {
        Path target = file.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = tempName(target);
            body.write(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            if (!replace && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw explain(file, e);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Writes the folder {@code dir}, which must be absent or empty: its files are written into a temporary folder
     * beside it that is renamed into place when complete, or deleted on any failure.
     *
     * @throws IOException naming the folder and the reason
     */
    public static void writeFolder(Path dir, FolderContent content) throws IOException {
        Path target = dir.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createDirectory(tempName(target));
            content.writeTo(tmp);
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(target); // empty, checked by the caller; a non-empty folder makes this fail
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw explain(dir, e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    /** Deletes a file, or a folder and everything in it; nothing happens when {@code path} does not exist. */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(path)) {
            List<Path> all = s.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * An error that says which path could not be written and why, with what to do: "cannot write PATH: REASON".
     * Already explained errors are returned unchanged.
     */
    public static IOException explain(Path path, IOException e) {
        if (e instanceof Explained) {
            return e;
        }
        return new Explained("cannot write " + path + ": " + reason(path, e), e);
    }

    /** Why {@code path} could not be written, in words, from the error and the state of its folders. */
    static String reason(Path path, IOException e) {
        Path blocker = fileInTheWay(path.toAbsolutePath().getParent());
        if (blocker != null) {
            return blocker + " is a file, not a folder; choose another path";
        }
        String msg = String.valueOf(e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                : e.getMessage());
        if (msg.contains("No space left on device") || msg.contains("Disk quota exceeded")) {
            return "the disk is full (" + msg + "); free some space or choose another disk (nothing was replaced)";
        }
        if (msg.contains("Read-only file system")) {
            return "the file system is read-only; choose a writable folder";
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied on " + a.getFile() + "; choose a folder you can write to or fix its"
                    + " permissions";
        }
        if (e instanceof FileAlreadyExistsException a) {
            return a.getFile() + " already exists (nothing was replaced); choose another path";
        }
        if (e instanceof NoSuchFileException a) {
            return "no such file or folder " + a.getFile();
        }
        if (e instanceof FileSystemException f && f.getFile() != null && f.getReason() != null) {
            return f.getReason() + " (" + f.getFile() + ")";
        }
        return msg;
    }

    /** The first ancestor of {@code dir} (or {@code dir} itself) that exists and is not a folder, else null. */
    static Path fileInTheWay(Path dir) {
        Path p = nearestExisting(dir);
        return p == null || Files.isDirectory(p) ? null : p;
    }

    /** {@code path} if it exists, else its nearest existing ancestor; null when none exists. */
    public static Path nearestExisting(Path path) {
        Path p = path;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p;
    }

    private static Path tempName(Path target) {
        byte[] r = new byte[6];
        RANDOM.nextBytes(r);
        String name = "." + target.getFileName() + ".tmp-" + HexFormat.of().formatHex(r);
        return target.resolveSibling(name.length() > 255 ? name.substring(name.length() - 255) : name);
    }

    /** An error whose message already names the path and the reason. */
    private static final class Explained extends IOException {
        private static final long serialVersionUID = 1L;

        Explained(String message, IOException cause) {
            super(message, cause);
        }
    }
}
