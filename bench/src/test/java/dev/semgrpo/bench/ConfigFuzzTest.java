package dev.semgrpo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.bench.InputMutations.Mutation;
import dev.semgrpo.bench.StrictInputs.ConfigKind;
import dev.semgrpo.bench.StrictInputs.Outcome;
import dev.semgrpo.bench.StrictInputs.Verdict;
import dev.semgrpo.trainer.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of every shipped YAML config (configs/*.yaml, demo, paper, rewards, tasks, judge): each mutated
 * file either reads exactly as the valid one or is rejected with a message that names it; never another exception.
 */
class ConfigFuzzTest {
    private static final Path CONFIGS = Path.of("..", "configs");
    private static final int PER_FILE = 20;

    @Test
    void everyMutationOfEveryShippedConfigIsRejectedByNameOrChangesNothing(@TempDir Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(CONFIGS)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 20, "shipped configs found: " + files);
        Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
        List<String> failures = new ArrayList<>();
        long seed = 11;
        // a mirror of configs/ first, so that a config's relative paths to another (rewards: ../rewards/paper.yaml)
        // resolve in the copy as in the original
        for (Path original : files) {
            Path folder = Files.createDirectories(dir.resolve(original.getParent().getFileName().toString()));
            Files.copy(original, folder.resolve(original.getFileName()));
        }
        for (Path original : files) {
            String text = Files.readString(original);
            JsonNode root = ConfigLoader.tree(original, List.of());
            ConfigKind kind = ConfigKind.of(original, root);
            List<String> sets = kind == ConfigKind.TRAINING ? StrictInputs.stageDefaults(root) : List.of();
            // the copy and its mutations sit in one folder, so relative paths resolve alike
            Path folder = Files.createDirectories(dir.resolve(original.getParent().getFileName().toString()));
            Path valid = folder.resolve(original.getFileName());
            Object expected = StrictInputs.read(kind, valid, sets);
            int i = 0;
            for (Mutation m : InputMutations.yaml(text, PER_FILE, seed++)) {
                Path mutated = folder.resolve("mutated-" + i++ + "-" + original.getFileName());
                Files.write(mutated, m.bytes());
                Outcome o = StrictInputs.classify(expected, mutated, () -> StrictInputs.read(kind, mutated, sets));
                counts.merge(o.verdict(), 1, Integer::sum);
                if (!StrictInputs.acceptable(m, mutated, o)) {
                    failures.add(original + " " + m.kind() + " (" + m.what() + "): " + o);
                }
                Files.delete(mutated);
            }
        }
        failures.forEach(f -> System.out.println("FAILED " + f.substring(0, Math.min(700, f.length()))));
        System.out.println("config fuzz: " + files.size() + " files x " + PER_FILE + " mutations: " + counts);
        assertEquals(List.of(), failures);
        assertTrue(counts.getOrDefault(Verdict.REJECTED, 0) > files.size() * PER_FILE / 2, counts.toString());
    }
}
