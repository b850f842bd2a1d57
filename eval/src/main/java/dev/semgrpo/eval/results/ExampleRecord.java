package dev.semgrpo.eval.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One evaluated example.
 *
 * @param id the example's id (from the data, else its 0-based index)
 * @param input the prompt as given to the model (after templating), or the scored text for perplexity tasks
 * @param output the model's output (the chosen choice for multiple choice; empty for perplexity)
 * @param references gold references or answers
 * @param scores per-metric sentence-level scores, e.g. {@code chrf}, {@code em}, {@code acc}
 * @param stats sufficient statistics of corpus-level metrics, e.g. BLEU n-gram counts, summed over a corpus
 * @param tokens per-token values, e.g. {@code nll} and {@code kl}, pooled over a corpus
 * @param extra anything else worth keeping (choice log-likelihoods, judge verdicts); not read by the report
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ExampleRecord(String id, String input, String output, List<String> references,
        Map<String, Double> scores, Map<String, long[]> stats, Map<String, float[]> tokens, JsonNode extra) {
    public ExampleRecord {
        if (id == null) {
            throw new IllegalArgumentException("example record without an id");
        }
        input = input == null ? "" : input;
        output = output == null ? "" : output;
        references = references == null ? List.of() : List.copyOf(references);
        scores = sorted(scores);
        stats = sorted(stats);
        tokens = sorted(tokens);
    }

    /** An unmodifiable copy in key order, so that files written from records are the same on every run. */
    private static <V> Map<String, V> sorted(Map<String, V> m) {
        return m == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(m));
    }

    /** The named score; an error that names the example when it is missing. */
    public double score(String name) {
        Double v = scores.get(name);
        if (v == null) {
            throw new IllegalArgumentException("example '" + id + "' has no score '" + name + "' (it has "
                    + scores.keySet() + ")");
        }
        return v;
    }

    /** The named statistics vector; an error that names the example when it is missing. */
    public long[] stat(String name) {
        long[] v = stats.get(name);
        if (v == null) {
            throw new IllegalArgumentException("example '" + id + "' has no statistics '" + name + "' (it has "
                    + stats.keySet() + ")");
        }
        return v;
    }

    /** The named per-token values; an error that names the example when they are missing. */
    public float[] token(String name) {
        float[] v = tokens.get(name);
        if (v == null) {
            throw new IllegalArgumentException("example '" + id + "' has no per-token values '" + name
                    + "' (it has " + tokens.keySet() + ")");
        }
        return v;
    }
}
