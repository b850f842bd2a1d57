package dev.semgrpo.trainer.run;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * Named moments of a training run where crash tests stop it. With the system property
 * {@code semgrpo.test.crash=POINT@STEP:ACTION} (e.g. {@code checkpoint-files@4:pause}) the run stops when it reaches
 * that point of that step: {@code pause} prints {@code semgrpo.test.crash reached POINT@STEP} on stderr and waits to
 * be killed, {@code fail} throws the error a full disk gives while writing the point's file. Without the property
 * (every real run) reaching a point does nothing.
 */
public enum CrashPoint {
    /** A step's metrics line is written; its checkpoint (if any) is not begun. */
    STEP_LOGGED("step-logged"),
    /** The weights are in the temporary checkpoint folder; the optimizer state is not. */
    CHECKPOINT_FILES("checkpoint-files"),
    /** The checkpoint is sealed in its temporary folder, not yet renamed into place. */
    CHECKPOINT_SEALED("checkpoint-sealed"),
    /** The checkpoint is in place; older ones are not yet pruned. */
    CHECKPOINT_RENAMED("checkpoint-renamed"),
    /** The last checkpoint's weights are in the temporary final folder, not yet renamed to final/. */
    FINAL_FILES("final-files");

    /** The system property that arms a crash point. */
    public static final String PROPERTY = "semgrpo.test.crash";

    private final String label;

    CrashPoint(String label) {
        this.label = label;
    }

    /**
     * Marks that the run reached this point of {@code step}; {@code file} is what it writes next (named by a
     * {@code fail}).
     */
    public void reach(long step, Path file) throws IOException {
        String spec = System.getProperty(PROPERTY);
        if (spec == null || !spec.startsWith(label + "@" + step + ":")) {
            return;
        }
        String action = spec.substring((label + "@" + step + ":").length());
        switch (action) {
            case "pause" -> pause(step);
            case "fail" -> throw new FileSystemException(file.toString(), null,
                    "No space left on device (" + PROPERTY + "=" + spec + ")");
            default -> throw new IllegalArgumentException(PROPERTY + "=" + spec + ": the action must be pause or fail,"
                    + " found '" + action + "'");
        }
    }

    private void pause(long step) {
        System.err.println(PROPERTY + " reached " + label + "@" + step);
        System.err.flush();
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(PROPERTY + ": interrupted while paused at " + label + "@" + step, e);
        }
    }
}
