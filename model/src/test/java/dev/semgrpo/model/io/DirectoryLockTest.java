package dev.semgrpo.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryLockTest {
    @TempDir
    Path dir;

    /** A child process that holds the lock of its argument until its standard input closes. */
    public static final class Holder {
        public static void main(String[] args) throws IOException {
            try (DirectoryLock lock = DirectoryLock.acquire(Path.of(args[0]), "run")) {
                System.out.println("locked");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // hold until the parent closes our input (or kills us)
                }
            }
        }
    }

    @Test
    void aSecondWriterIsRefusedWithTheHolderAndTheLockGoesWithItsProcess() throws Exception {
        Path run = dir.resolve("run");
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Holder.class.getName(), run.toString()))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> DirectoryLock.acquire(run, "run"));
            assertTrue(e.getMessage().contains(run.toString()) && e.getMessage().contains("pid " + child.pid())
                    && e.getMessage().contains("another semgrpo process"), e.getMessage());
        } finally {
            child.destroyForcibly(); // a kill, not a clean exit: the OS drops the lock with the process
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        try (DirectoryLock mine = DirectoryLock.acquire(run, "run")) {
            // within one process the same folder cannot be opened twice either
            IllegalStateException twice = assertThrows(IllegalStateException.class,
                    () -> DirectoryLock.acquire(run, "run"));
            assertTrue(twice.getMessage().contains("pid " + ProcessHandle.current().pid()), twice.getMessage());
        }
        DirectoryLock.acquire(run, "run").close(); // released by close
    }
}
