package dev.semgrpo.serve;

import dev.semgrpo.model.generate.SamplingParams;
import java.util.List;

/**
 * One request's work for the engine: its prompts as token ids, generated with {@code params} under stream keys
 * (seed, prompt index), and optionally its prompts' own log-probs (echo).
 *
 * @param model base model or adapter name
 * @param prompts token ids per prompt
 * @param seed the request's seed (drawn by the server when the request had none)
 * @param params how to sample (its seed unused); null when nothing is generated (max_tokens 0 with echo)
 * @param copies answers per prompt: {@code params.n()}, or n copies of the one greedy answer
 * @param topLogprobs alternatives per generated token the response shows
 * @param promptTopLogprobs alternatives per prompt token; -1 when the prompt's log-probs are not wanted
 */
record Job(String model, List<int[]> prompts, long seed, SamplingParams params, int copies, int topLogprobs,
        int promptTopLogprobs) {

    /**
     * What must match for jobs to share a batch: the model and every sampling parameter but the seed (each job's
     * seed travels in its stream keys).
     */
    record BatchKey(String model, SamplingParams params) {
    }

    Job {
        prompts = List.copyOf(prompts);
    }

    BatchKey key() {
        return new BatchKey(model, params == null ? null : params.toBuilder().optSeed(0).build());
    }

    /** Sequences this job decodes together. */
    int rows() {
        return prompts.size() * (params == null ? 1 : params.n());
    }

    boolean wantsPromptLogprobs() {
        return promptTopLogprobs >= 0;
    }
}
