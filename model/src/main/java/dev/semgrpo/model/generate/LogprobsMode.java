package dev.semgrpo.model.generate;

/**
 * Which distribution a generated token's reported log-prob (and its top alternatives) comes from; the token itself
 * is always drawn from the processed one. The names follow vLLM's {@code --logprobs-mode}.
 */
public enum LogprobsMode {
    /** {@code log_softmax} of the model's raw logits, before penalty, temperature and filters (vLLM's raw_logprobs). */
    RAW,
    /**
     * Of the distribution actually sampled from: after repetition penalty, temperature, top-k, top-p and min-p,
     * renormalised (vLLM's processed_logprobs); what importance-sampling corrections need.
     */
    PROCESSED
}
