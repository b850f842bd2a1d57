package dev.semgrpo.model.generate;

import java.util.List;

/**
 * One sampled continuation.
 *
 * @param promptIndex index of its prompt in the request
 * @param sampleIndex index within the prompt's group
 * @param tokenIds generated ids, including a final eos when it stopped on one
 * @param text decoded text without special tokens, cut before a stop string
 * @param logprobs per generated token, its log-probability under the distribution the {@link LogprobsMode} names
 *     (by default the one it was drawn from)
 * @param finishReason stop or length
 * @param stopString the stop string that ended it, or null (an eos, the length limit)
 * @param topLogprobs per generated token, the most likely alternatives; null unless asked for
 */
public record Completion(int promptIndex, int sampleIndex, int[] tokenIds, String text, float[] logprobs,
        FinishReason finishReason, String stopString, List<TopLogprobs> topLogprobs) {

    public Completion {
        topLogprobs = topLogprobs == null ? null : List.copyOf(topLogprobs);
    }

    /** A continuation without a stop string or alternatives (as a remote backend or a test builds one). */
    public Completion(int promptIndex, int sampleIndex, int[] tokenIds, String text, float[] logprobs,
            FinishReason finishReason) {
        this(promptIndex, sampleIndex, tokenIds, text, logprobs, finishReason, null, null);
    }

    /** The same continuation as sample {@code index} of its group (greedy copies of one answer). */
    public Completion withSampleIndex(int index) {
        return new Completion(promptIndex, index, tokenIds, text, logprobs, finishReason, stopString, topLogprobs);
    }
}
