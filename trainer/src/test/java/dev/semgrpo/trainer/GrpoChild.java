package dev.semgrpo.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
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
        ObjectNode tree = ConfigLoader.tree(dir.resolve(args[1]), List.of());
        ConfigLoader.absolutize(tree, dir);
        Settings s = Settings.of(ConfigLoader.bind(tree, args[1]), dir, true);
        Path resume = args.length > 2 ? Path.of(args[2]) : null;
        if (resume != null && !Files.isDirectory(resume)) {
            throw new IllegalArgumentException("no run directory " + resume);
        }
        GrpoTrainer.train(s, tree, dir, resume, null);
        System.out.println("done");
    }
}
