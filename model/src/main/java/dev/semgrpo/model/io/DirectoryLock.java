package dev.semgrpo.model.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One writer per folder: an OS lock on {@code <dir>/.lock}, held until {@link #close}. Two processes writing one run
 * would interleave their logs and checkpoints; the second is refused with the holder's process id and start time.
 * The operating system releases the lock when its process ends, however it ends, so a kill never strands a folder.
 */
public final class DirectoryLock implements AutoCloseable {
    /** The lock file's name inside the locked folder. */
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (created if missing) for this process.
     *
     * @param what what the folder is, for the error ("run", "pipeline output")
     * @throws IllegalStateException when another process (or another open run in this one) holds it
     */
    public static DirectoryLock acquire(Path dir, String what) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(ch);
            ch.close();
            throw new IllegalStateException(dir + ": this " + what + " is being written by another semgrpo process"
                    + (holder.isEmpty() ? "" : " (" + holder + ")") + "; two writers would interleave its logs and "
                    + "checkpoints. Wait for that process to end or stop it, then run again (it resumes from the last "
                    + "checkpoint), or write to another folder");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + ", since " + Instant.now() + "\n")
                .getBytes(StandardCharsets.UTF_8)), 0);
        ch.force(false);
        return new DirectoryLock(ch, lock);
    }

    /**
     * Throws as {@link #acquire} does when another writer holds {@code dir}, else returns at once without keeping
     * the lock: for a step that must not happen under a live writer, such as moving the folder aside.
     */
    public static void ensureFree(Path dir, String what) throws IOException {
        acquire(dir, what).close();
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(200);
            ch.read(b, 0);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
