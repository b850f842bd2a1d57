package dev.semgrpo.model.generate;

import java.util.List;

/**
 * How to sample. Logits pass, in order: repetition penalty, temperature, top-k, top-p, min-p (the order of
 * transformers' processors and warpers); the token is drawn from what remains.
 *
 * @param n samples per prompt (the GRPO group), sharing the prompt's prefill
 * @param maxNewTokens generated tokens per sample at most (finish reason {@code length})
 * @param temperature divides the logits; must be > 0 unless greedy
 * @param topK keep the k most likely tokens (0 = off)
 * @param topP keep the smallest set whose probability reaches p (1 = off)
 * @param minP drop tokens below minP x the top probability (0 = off)
 * @param repetitionPenalty CTRL-style penalty on tokens already in prompt or output (1 = off)
 * @param greedy argmax instead of sampling (then n must be 1 and temperature/top-k/p are unused)
 * @param stopStrings a sample stops once its text contains one; the text is cut before it
 * @param seed drives every draw: same seed, prompts and model give the same tokens
 */
public record SamplingParams(int n, int maxNewTokens, double temperature, int topK, double topP, double minP,
        double repetitionPenalty, boolean greedy, List<String> stopStrings, long seed) {

    public SamplingParams {
        stopStrings = List.copyOf(stopStrings);
        if (n < 1) {
            throw new IllegalArgumentException("n (samples per prompt) must be >= 1, found " + n);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, found " + maxNewTokens);
        }
        if (!greedy && !(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0 when sampling, found " + temperature
                    + " (use greedy decoding for temperature 0)");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0 (0 = off), found " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], found " + topP);
        }
        if (!(minP >= 0 && minP < 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1), found " + minP);
        }
        if (!(repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetition_penalty must be > 0 (1 = off), found " + repetitionPenalty);
        }
        if (greedy && n > 1) {
            throw new IllegalArgumentException("greedy decoding gives one answer per prompt; n must be 1, found " + n);
        }
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    /** Sampling at temperature 1 with no filtering. */
    public static SamplingParams sample(int n, int maxNewTokens, long seed) {
        return new SamplingParams(n, maxNewTokens, 1.0, 0, 1.0, 0.0, 1.0, false, List.of(), seed);
    }

    /** Greedy decoding. */
    public static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(1, maxNewTokens, 1.0, 0, 1.0, 0.0, 1.0, true, List.of(), 0);
    }

    public SamplingParams withTemperature(double t) {
        return new SamplingParams(n, maxNewTokens, t, topK, topP, minP, repetitionPenalty, greedy, stopStrings, seed);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(n, maxNewTokens, temperature, k, topP, minP, repetitionPenalty, greedy, stopStrings,
                seed);
    }

    public SamplingParams withTopP(double p) {
        return new SamplingParams(n, maxNewTokens, temperature, topK, p, minP, repetitionPenalty, greedy, stopStrings,
                seed);
    }

    public SamplingParams withMinP(double p) {
        return new SamplingParams(n, maxNewTokens, temperature, topK, topP, p, repetitionPenalty, greedy, stopStrings,
                seed);
    }

    public SamplingParams withRepetitionPenalty(double r) {
        return new SamplingParams(n, maxNewTokens, temperature, topK, topP, minP, r, greedy, stopStrings, seed);
    }

    public SamplingParams withStopStrings(List<String> stops) {
        return new SamplingParams(n, maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, greedy, stops,
                seed);
    }
}
