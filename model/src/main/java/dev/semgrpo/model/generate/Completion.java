package dev.semgrpo.model.generate;

/**
 * One sampled continuation.
 *
 * @param promptIndex index of its prompt in the request
 * @param sampleIndex index within the prompt's group
 * @param tokenIds generated ids, including a final eos when it stopped on one
 * @param text decoded text without special tokens, cut before a stop string
 * @param logprobs per generated token, log-probability under the distribution it was drawn from
 * @param finishReason stop or length
 */
public record Completion(int promptIndex, int sampleIndex, int[] tokenIds, String text, float[] logprobs,
        FinishReason finishReason) {
}
