package dev.semgrpo.serve;

/**
 * What one request may ask for: n at most {@code maxN}, every prompt plus max_tokens within {@code maxModelLen}, and
 * prompts x n x max_tokens at most {@code maxTokensPerRequest}. Violations are 400s naming the field and numbers.
 */
record Limits(int maxN, int maxModelLen, long maxTokensPerRequest) {

    /** @param promptLengths tokens of each prompt of the request */
    void check(int n, int maxTokens, int[] promptLengths) {
        if (n > maxN) {
            throw ApiError.badRequest("n", "n=" + n + " exceeds the server's --max-n=" + maxN + "; ask for at most "
                    + maxN + " samples per prompt (or split the request)");
        }
        for (int i = 0; i < promptLengths.length; i++) {
            int len = promptLengths[i];
            String which = promptLengths.length == 1 ? "the prompt" : "prompt " + i;
            if (len >= maxModelLen && maxTokens > 0 || len > maxModelLen) {
                throw ApiError.badRequest("prompt", which + " has " + len + " tokens; this model's maximum context"
                        + " length is " + maxModelLen + " tokens (max_model_len), so at most " + (maxModelLen - 1)
                        + " prompt tokens leave room to generate: shorten the prompt");
            }
            if ((long) len + maxTokens > maxModelLen) {
                throw ApiError.badRequest("max_tokens", which + " has " + len + " tokens and max_tokens=" + maxTokens
                        + ": " + len + " + " + maxTokens + " = " + ((long) len + maxTokens) + " passes this model's"
                        + " maximum context length of " + maxModelLen + " tokens (max_model_len); lower max_tokens to"
                        + " at most " + (maxModelLen - len));
            }
        }
        long total = (long) promptLengths.length * n * maxTokens;
        if (total > maxTokensPerRequest) {
            throw ApiError.badRequest("max_tokens", "prompts x n x max_tokens = " + promptLengths.length + " x " + n
                    + " x " + maxTokens + " = " + total + " tokens exceeds the server's --max-tokens-per-request="
                    + maxTokensPerRequest + "; lower n or max_tokens, or split the request");
        }
    }
}
