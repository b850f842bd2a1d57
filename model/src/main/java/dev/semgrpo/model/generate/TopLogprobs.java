package dev.semgrpo.model.generate;

/**
 * The most likely tokens at one generated position and their log-probs, most likely first, under the distribution
 * the {@link LogprobsMode} names. Filtered-out tokens carry {@code -Infinity}.
 *
 * @param ids token ids, (k)
 * @param logprobs their log-probs, (k)
 */
public record TopLogprobs(int[] ids, float[] logprobs) {
    public TopLogprobs {
        if (ids.length != logprobs.length) {
            throw new IllegalArgumentException("top log-probs hold " + ids.length + " ids but " + logprobs.length
                    + " log-probs");
        }
    }
}
