package dev.semgrpo.model.generate;

import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.nn.CausalLM;

/**
 * The model produced NaN or infinite logits, usually because FP16 activations overflowed (float16 holds at most
 * 65504; models trained in BF16, such as Qwen, can exceed it). Raised by generation, scoring and evaluation.
 *
 * <p>Detection costs no extra device work: it checks the log-probs already pulled to the host. A chosen token's
 * log-prob {@code logit - logsumexp(logits)} is non-finite exactly when some logit of its row is NaN or +inf, or
 * its own logit is -inf; a -inf logit elsewhere (an FP16 underflow of a hugely negative value) has probability 0 in
 * any precision and changes nothing. Only on failure does {@link #diagnose} re-run the offending row, stage by stage,
 * to name the first module whose output was non-finite.
 */
public final class NonFiniteLogitsException extends IllegalStateException {
    private static final String LEAD = "non-finite logits (NaN or infinity) while ";

    private final String context;
    private final String what;
    private final String detail;
    private final String site;
    private final int row;

    /** {@code [context: ]non-finite logits (NaN or infinity) while <what>: <detail>}. */
    private NonFiniteLogitsException(String context, String what, String detail, String site, int row) {
        super((context == null ? "" : context + ": ") + LEAD + what + ": " + detail);
        this.context = context;
        this.what = what;
        this.detail = detail;
        this.site = site;
        this.row = row;
    }

    /** The first module whose output was non-finite in the diagnostic re-run, with detail; null if none was. */
    public String site() {
        return site;
    }

    /** The row of a scored batch where it happened ({@link LocalBackend#continuationLogprobs}), or -1. */
    public int row() {
        return row;
    }

    /** The same error with {@code context} (e.g. {@code task 'flores'}) in front of its message. */
    public NonFiniteLogitsException in(String context) {
        return new NonFiniteLogitsException(this.context == null ? context : context + ": " + this.context, what,
                detail, site, row);
    }

    /** The same error, at {@code row} of the batch it was scored in. */
    public NonFiniteLogitsException atRow(int row) {
        return new NonFiniteLogitsException(context, what, detail, site, row);
    }

    /**
     * The same diagnosis, placed by the caller who knows what the row was: "while {@code what}" (e.g. {@code scoring
     * task 'arc', example 'q7', choice 2}) instead of where it was found (e.g. {@code scoring row 5}).
     */
    public NonFiniteLogitsException about(String what) {
        return new NonFiniteLogitsException(context, what, detail, site, row);
    }

    /** {@link #diagnose(CausalLM, String, int[])} of a scored row: its prompt followed by its completion. */
    public static NonFiniteLogitsException diagnose(CausalLM model, String what, int[] prompt, int[] completion) {
        int[] row = java.util.Arrays.copyOf(prompt, prompt.length + completion.length);
        System.arraycopy(completion, 0, row, prompt.length, completion.length);
        return diagnose(model, what, row);
    }

    /**
     * Re-runs {@code tokens} (the offending row: prompt plus completion so far) through {@code model} and builds the
     * error.
     *
     * @param what where it happened, e.g. {@code "generating prompt 3, sample 0, new token 5"}
     */
    public static NonFiniteLogitsException diagnose(CausalLM model, String what, int[] tokens) {
        String site = model.firstNonFinite(tokens);
        StringBuilder m = new StringBuilder();
        if (site != null) {
            m.append("the first non-finite output is ").append(site).append(". ");
        } else {
            m.append("a re-run of this row alone stayed finite, so the overflow depends on the rows batched with it"
                    + " (padding); a smaller batch may avoid it. ");
        }
        if (model.dtype() == DataType.FLOAT16) {
            m.append("The model runs in float16, whose largest value is 65504, and weights trained in bfloat16"
                    + " (Qwen models among them) can overflow it: run in float32 instead (--dtype float32 on the"
                    + " command line, eval.dtype: float32 in a pipeline config).");
        } else {
            m.append("The model runs in ").append(model.dtype().name().toLowerCase(java.util.Locale.ROOT))
                    .append(", so its weights themselves give non-finite values: check the checkpoint in ")
                    .append(model.sourceDir() == null ? "memory" : model.sourceDir())
                    .append(" for NaN/inf tensors or a diverged training run.");
        }
        return new NonFiniteLogitsException(null, what, m.toString(), site, -1);
    }
}
