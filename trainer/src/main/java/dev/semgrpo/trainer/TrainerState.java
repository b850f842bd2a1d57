package dev.semgrpo.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a run stands: the last finished step, the data cursor, consecutive non-finite steps, and the prompt plus
 * completion tokens trained on so far (logged as {@code num_tokens}; saved under Transformers' name
 * {@code num_input_tokens_seen}; a checkpoint written before it existed counts from 0 on resume). Every random draw
 * of a step is derived from (seed, step), so this is all a checkpoint needs besides weights and optimizer state.
 */
record TrainerState(long step, long cursor, int nonfinite, long numTokens) {
    static final String FILE = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    void save(Path dir) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        o.put("cursor", cursor);
        o.put("nonfinite", nonfinite);
        o.put("num_input_tokens_seen", numTokens);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(FILE).toFile(), o);
    }

    static TrainerState load(Path dir) throws IOException {
        var n = JSON.readTree(dir.resolve(FILE).toFile());
        return new TrainerState(n.path("step").asLong(), n.path("cursor").asLong(), n.path("nonfinite").asInt(),
                n.path("num_input_tokens_seen").asLong());
    }

    /** A seed for step {@code step} of a run seeded {@code seed} (SplitMix64). */
    static long stepSeed(long seed, long step) {
        long z = seed * 0x9E3779B97F4A7C15L + step + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
