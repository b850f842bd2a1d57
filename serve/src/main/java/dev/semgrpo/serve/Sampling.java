package dev.semgrpo.serve;

import dev.semgrpo.model.generate.SamplingParams;
import java.util.List;
import java.util.Set;

/**
 * The sampling fields completions and chat completions share, as the request gave them (wire.md): {@code n},
 * {@code temperature} (0 = greedy), {@code top_p}, {@code top_k} (-1 or 0 = off), {@code min_p},
 * {@code repetition_penalty}, {@code seed} (null = the server draws one) and {@code stop}.
 */
record Sampling(int n, double temperature, double topP, int topK, double minP, double repetitionPenalty, Long seed,
        List<String> stop) {
    /** vLLM's sampling epsilon: a temperature below it decodes greedily. */
    static final double GREEDY_BELOW = 1e-5;

    /** The field names read by {@link #read}. */
    static final Set<String> FIELDS = Set.of("n", "temperature", "top_p", "top_k", "min_p", "repetition_penalty",
            "seed", "stop");

    Sampling {
        stop = List.copyOf(stop);
    }

    static Sampling read(JsonFields f) {
        int n = f.integer("n", 1, 1, Integer.MAX_VALUE);
        double temperature = f.number("temperature", 1.0, t -> t >= 0, ">= 0 (0 = greedy)");
        double topP = f.number("top_p", 1.0, p -> p > 0 && p <= 1, "in (0, 1]");
        int topK = f.integer("top_k", 0, -1, Integer.MAX_VALUE);
        double minP = f.number("min_p", 0.0, p -> p >= 0 && p <= 1, "in [0, 1]");
        double penalty = f.number("repetition_penalty", 1.0, p -> p > 0, "> 0 (1 = off)");
        Long seed = f.int64("seed");
        List<String> stop = f.strings("stop");
        return new Sampling(n, temperature, topP, topK <= 0 ? 0 : topK, minP, penalty, seed, stop);
    }

    boolean greedy() {
        return temperature < GREEDY_BELOW;
    }

    /**
     * The engine's parameters for {@code maxTokens} new tokens, seed 0 (each request's seed travels in its stream
     * keys). Greedy decoding is one answer per prompt ({@code n = 1}; the server copies it n times) and ignores
     * temperature and the filters, which are set to their defaults so that greedy requests batch together.
     */
    SamplingParams params(int maxTokens) {
        SamplingParams.Builder b = SamplingParams.builder().setMaxNewTokens(maxTokens)
                .optRepetitionPenalty(repetitionPenalty).optStopStrings(stop);
        if (greedy()) {
            return b.optGreedy(true).build();
        }
        return b.optN(n).optTemperature(temperature).optTopP(topP).optTopK(topK).optMinP(minP).build();
    }
}
