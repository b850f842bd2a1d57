package dev.semgrpo.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a run stands: the last finished step, the data cursor, and consecutive non-finite steps. Every random draw
 * of a step is derived from (seed, step), so this is all a checkpoint needs besides weights and optimizer state.
 */
record TrainerState(long step, long cursor, int nonfinite) {
    static final String FILE = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    void save(Path dir) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        o.put("cursor", cursor);
        o.put("nonfinite", nonfinite);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(FILE).toFile(), o);
    }

    static TrainerState load(Path dir) throws IOException {
        var n = JSON.readTree(dir.resolve(FILE).toFile());
        return new TrainerState(n.path("step").asLong(), n.path("cursor").asLong(), n.path("nonfinite").asInt());
    }

    /** A seed for step {@code step} of a run seeded {@code seed} (SplitMix64). */
    static long stepSeed(long seed, long step) {
        long z = seed * 0x9E3779B97F4A7C15L + step + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
