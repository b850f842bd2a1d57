package dev.semgrpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Outputs of a generation task that are filler rather than text: the sample ran to the length limit and one
 * character makes up at least half of it (a script reward pays for a run of one Tibetan letter as much as for a
 * translation, and chrF++ gives such a run a few character matches). The demo's summary does not count a gain
 * carried by them as a gain.
 *
 * @param degenerate outputs that ran to the length limit with one character at least half of them
 * @param total outputs read
 */
record DegenerateOutputs(int degenerate, int total) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** At least half the outputs are filler. */
    boolean mostly() {
        return total > 0 && 2 * degenerate >= total;
    }

    /** Counts the filler outputs of a task's {@code examples.jsonl} ({@code output}, {@code extra.finish_reason}). */
    static DegenerateOutputs read(Path examples) throws IOException {
        int degenerate = 0;
        int total = 0;
        List<String> lines = Files.readAllLines(examples, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonNode e;
            try {
                e = JSON.readTree(lines.get(i));
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new IOException(examples + ": line " + (i + 1) + " is not JSON: " + ex.getOriginalMessage(), ex);
            }
            total++;
            if ("length".equals(e.path("extra").path("finish_reason").asText()) && isFiller(e.path("output").asText())) {
                degenerate++;
            }
        }
        return new DegenerateOutputs(degenerate, total);
    }

    /** One character (code point) makes up at least half of {@code text}. */
    static boolean isFiller(String text) {
        int[] cps = text.codePoints().toArray();
        if (cps.length == 0) {
            return false;
        }
        Map<Integer, Integer> counts = new HashMap<>();
        int most = 0;
        for (int c : cps) {
            most = Math.max(most, counts.merge(c, 1, Integer::sum));
        }
        return 2 * most >= cps.length;
    }
}
