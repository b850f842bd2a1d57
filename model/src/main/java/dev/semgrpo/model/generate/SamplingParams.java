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
 * @param minP drop tokens below minP x the top probability (0 = off; 1 keeps only the most likely)
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
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], found " + minP);
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
        return builder().setMaxNewTokens(maxNewTokens).optN(n).optSeed(seed).build();
    }

    /** Greedy decoding. */
    public static SamplingParams greedy(int maxNewTokens) {
        return builder().setMaxNewTokens(maxNewTokens).optGreedy(true).build();
    }

    /**
     * A builder: {@code maxNewTokens} is required; the rest default to one sample ({@code n = 1}) at temperature 1
     * with every filter off (top-k 0, top-p 1, min-p 0, repetition penalty 1), no stop strings and seed 0.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values, to change a few. */
    public Builder toBuilder() {
        return builder().setMaxNewTokens(maxNewTokens).optN(n).optTemperature(temperature).optTopK(topK).optTopP(topP)
                .optMinP(minP).optRepetitionPenalty(repetitionPenalty).optGreedy(greedy).optStopStrings(stopStrings)
                .optSeed(seed);
    }

    public SamplingParams withTemperature(double t) {
        return toBuilder().optTemperature(t).build();
    }

    public SamplingParams withTopP(double p) {
        return toBuilder().optTopP(p).build();
    }

    public SamplingParams withRepetitionPenalty(double r) {
        return toBuilder().optRepetitionPenalty(r).build();
    }

    public SamplingParams withStopStrings(List<String> stops) {
        return toBuilder().optStopStrings(stops).build();
    }

    /** Builds {@link SamplingParams}; the record's constructor checks the values. */
    public static final class Builder {
        private Integer maxNewTokens;
        private int n = 1;
        private double temperature = 1.0;
        private int topK;
        private double topP = 1.0;
        private double minP;
        private double repetitionPenalty = 1.0;
        private boolean greedy;
        private List<String> stopStrings = List.of();
        private long seed;

        private Builder() {
        }

        /** Generated tokens per sample at most (required). */
        public Builder setMaxNewTokens(int maxNewTokens) {
            this.maxNewTokens = maxNewTokens;
            return this;
        }

        /** Samples per prompt (default 1). */
        public Builder optN(int n) {
            this.n = n;
            return this;
        }

        /** Divides the logits (default 1). */
        public Builder optTemperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /** Keep the k most likely tokens (default 0 = off). */
        public Builder optTopK(int topK) {
            this.topK = topK;
            return this;
        }

        /** Nucleus filter (default 1 = off). */
        public Builder optTopP(double topP) {
            this.topP = topP;
            return this;
        }

        /** Drop tokens below minP x the top probability (default 0 = off). */
        public Builder optMinP(double minP) {
            this.minP = minP;
            return this;
        }

        /** CTRL-style penalty on seen tokens (default 1 = off). */
        public Builder optRepetitionPenalty(double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return this;
        }

        /** Argmax instead of sampling (default false). */
        public Builder optGreedy(boolean greedy) {
            this.greedy = greedy;
            return this;
        }

        /** Strings that end a sample (default none). */
        public Builder optStopStrings(List<String> stopStrings) {
            this.stopStrings = stopStrings;
            return this;
        }

        /** Seed of every draw (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public SamplingParams build() {
            if (maxNewTokens == null) {
                throw new IllegalStateException("SamplingParams.builder(): setMaxNewTokens is required");
            }
            return new SamplingParams(n, maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, greedy,
                    stopStrings, seed);
        }
    }
}
