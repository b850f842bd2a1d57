package dev.semgrpo.cli;

import dev.semgrpo.eval.results.ExampleRecord;
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
    /** At least half the outputs are filler. */
    boolean mostly() {
        return total > 0 && 2 * degenerate >= total;
    }

    /** Counts the filler among a task's example records ({@code output}, {@code extra.finish_reason}). */
    static DegenerateOutputs of(List<ExampleRecord> examples) {
        int degenerate = 0;
        for (ExampleRecord e : examples) {
            boolean atLimit = e.extra() != null && "length".equals(e.extra().path("finish_reason").asText());
            if (atLimit && isFiller(e.output())) {
                degenerate++;
            }
        }
        return new DegenerateOutputs(degenerate, examples.size());
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
