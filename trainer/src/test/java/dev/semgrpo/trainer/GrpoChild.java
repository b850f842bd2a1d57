package dev.semgrpo.trainer;

import dev.semgrpo.trainer.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A tiny GRPO run in its own JVM, for kill tests: {@code GrpoChild DIR CONFIG [RESUME_DIR]} trains {@code CONFIG}
 * (relative paths resolve in {@code DIR}), resuming {@code RESUME_DIR} when given, and prints "done".
 */
public final class GrpoChild {
    private GrpoChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        ConfigLoader.Loaded l = ConfigLoader.load(dir.resolve(args[1]), List.of(), true);
        Path resume = args.length > 2 ? Path.of(args[2]) : null;
        if (resume != null && !Files.isDirectory(resume)) {
            throw new IllegalArgumentException("no run directory " + resume);
        }
        GrpoTrainer.train(l.settings(), l.rewards(), resume, null);
        System.out.println("done");
    }
}
