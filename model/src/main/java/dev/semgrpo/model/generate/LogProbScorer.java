package dev.semgrpo.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.Scalars;
import dev.semgrpo.model.nn.CausalLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-token log-probabilities (and entropies) of given completions under the model. Rows are
 * {@code prompt + completion}, right-padded; only completion positions are scored. Open a GradientCollector around
 * the call to get gradients (for example to LoRA factors); without one, no graph is recorded.
 *
 * <p>A log-prob is non-finite exactly when its row's logits were (see {@link NonFiniteLogitsException}); callers that
 * pull scores to the host check them there and raise that exception, so scoring adds no device sync of its own.
 */
public final class LogProbScorer {
    private LogProbScorer() {
    }

    /**
     * Scores of a batch, all (B, Tc) where Tc is the longest completion.
     *
     * @param logprobs log p(token | prefix); 0 where the mask is 0
     * @param mask 1 for completion tokens, 0 for padding
     * @param entropy entropy of the next-token distribution at each completion position, or null
     */
    public record Scores(NDArray logprobs, NDArray mask, NDArray entropy) {
    }

    /**
     * @param manager where inputs (and so the results) live; usually a per-step scope or sub-manager
     * @param temperature logits are divided by it before the softmax (1 for the model's own distribution)
     * @param withEntropy also return per-position entropies
     */
    public static Scores score(CausalLM model, NDManager manager, List<int[]> prompts, List<int[]> completions,
            double temperature, boolean withEntropy) {
        check(model, prompts, completions, temperature);
        int[][] placement = new int[prompts.size()][];
        for (int i = 0; i < placement.length; i++) {
            placement[i] = new int[] {i, 0}; // row i alone in sequence i
        }
        return scoreLayout(model, manager, prompts, completions, placement, prompts.size(), temperature, withEntropy,
                false);
    }

    /**
     * As {@link #score}, packing several (prompt, completion) rows into sequences of at most {@code maxLength}
     * tokens (first fit, in order). Rows do not see each other (block-diagonal mask) and positions restart per row,
     * so each row scores as it would alone; there is just less padding. Results keep the one-row-per-pair layout.
     */
    public static Scores scorePacked(CausalLM model, NDManager manager, List<int[]> prompts, List<int[]> completions,
            int maxLength, double temperature, boolean withEntropy) {
        check(model, prompts, completions, temperature);
        int[][] placement = new int[prompts.size()][];
        List<Integer> fill = new java.util.ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            int len = prompts.get(i).length + completions.get(i).length;
            if (len > maxLength) {
                throw new IllegalArgumentException("row " + i + " has " + len + " tokens, more than the packing length "
                        + maxLength);
            }
            int seq = -1;
            for (int k = 0; k < fill.size(); k++) {
                if (fill.get(k) + len <= maxLength) {
                    seq = k;
                    break;
                }
            }
            if (seq < 0) {
                fill.add(0);
                seq = fill.size() - 1;
            }
            placement[i] = new int[] {seq, fill.get(seq)};
            fill.set(seq, fill.get(seq) + len);
        }
        return scoreLayout(model, manager, prompts, completions, placement, fill.size(), temperature, withEntropy, true);
    }

    /**
     * Log-probs of one sequence's own tokens under the model (temperature 1): entry t is
     * log p(token t+1 | tokens 0..t). For an echoed prompt (vLLM's prompt log-probs).
     *
     * @param logprobs (length - 1)
     * @param top per scored token its k most likely alternatives, or null when k = 0
     */
    public record SequenceLogprobs(float[] logprobs, List<TopLogprobs> top) {
    }

    /**
     * {@link SequenceLogprobs} of {@code tokens}, with the {@code k} (0..20) most likely alternatives at each scored
     * position: one forward pass and one pull of (length - 1, 1 + 2k) = log-prob, k ids, k log-probs.
     *
     * @throws NonFiniteLogitsException when a log-prob is not finite (the diagnostic names the layer)
     */
    public static SequenceLogprobs sequence(CausalLM model, int[] tokens, int k) {
        if (k < 0 || k > Generator.MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("alternatives k must be in [0, " + Generator.MAX_TOP_LOGPROBS
                    + "], found " + k);
        }
        if (tokens.length == 0 || tokens.length > model.maxPositions()) {
            throw new IllegalArgumentException("a scored sequence needs 1 to max_position_embeddings="
                    + model.maxPositions() + " tokens, found " + tokens.length);
        }
        for (int t = 0; t < tokens.length; t++) {
            if (tokens[t] < 0 || tokens[t] >= model.config().vocabSize()) {
                throw new IllegalArgumentException("token " + t + " is id " + tokens[t] + ", outside the vocabulary"
                        + " [0, " + model.config().vocabSize() + ")");
            }
        }
        int scored = tokens.length - 1;
        if (scored <= 0) {
            return new SequenceLogprobs(new float[0], k > 0 ? List.of() : null);
        }
        int vocab = model.config().vocabSize();
        float[] pulled;
        try (NDManager m = model.manager().newSubManager()) {
            long[] ids = Arrays.stream(tokens).asLongStream().toArray();
            long[] targets = Arrays.stream(tokens, 1, tokens.length).asLongStream().toArray();
            NDArray logits = model.forward(m.create(ids, new Shape(1, ids.length)), null, null, null, false)
                    .reshape(tokens.length, vocab).get("0:" + scored); // (L - 1, V): predicts tokens 1..L-1
            NDArray logp = logits.logSoftmax(-1);
            NDArray out = logp.gather(m.create(targets, new Shape(scored, 1)), 1); // (L - 1, 1)
            if (k > 0) {
                NDList best = logp.topK(k, -1, true, true); // values, indices: (L - 1, k)
                out = out.concat(best.get(1).toType(DataType.FLOAT32, false), 1).concat(best.get(0), 1);
            }
            pulled = out.toFloatArray();
        }
        int stride = 1 + 2 * k;
        float[] logprobs = new float[scored];
        List<TopLogprobs> top = k > 0 ? new ArrayList<>() : null;
        for (int t = 0; t < scored; t++) {
            logprobs[t] = pulled[t * stride];
            if (!Float.isFinite(logprobs[t])) {
                throw NonFiniteLogitsException.diagnose(model, "scoring token " + (t + 1) + " of a sequence", tokens);
            }
            if (k > 0) {
                int[] altIds = new int[k];
                float[] altLp = new float[k];
                for (int j = 0; j < k; j++) {
                    altIds[j] = (int) pulled[t * stride + 1 + j];
                    altLp[j] = pulled[t * stride + 1 + k + j];
                }
                top.add(new TopLogprobs(altIds, altLp));
            }
        }
        return new SequenceLogprobs(logprobs, top);
    }

    private static void check(CausalLM model, List<int[]> prompts, List<int[]> completions, double temperature) {
        if (prompts.size() != completions.size()) {
            throw new IllegalArgumentException("got " + prompts.size() + " prompts but " + completions.size()
                    + " completions");
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, found " + temperature);
        }
        int vocab = model.config().vocabSize();
        for (int i = 0; i < prompts.size(); i++) {
            if (prompts.get(i).length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty; scoring needs at least one prompt token");
            }
            for (int[] seq : new int[][] {prompts.get(i), completions.get(i)}) {
                for (int tok : seq) {
                    if (tok < 0 || tok >= vocab) {
                        throw new IllegalArgumentException("row " + i + " holds token id " + tok
                                + " outside the vocabulary [0, " + vocab + ")");
                    }
                }
            }
        }
    }

    /**
     * Builds the input layout and scores it: row i sits in sequence {@code placement[i][0]} from offset
     * {@code placement[i][1]}; {@code packed} adds segment ids and per-row positions.
     */
    private static Scores scoreLayout(CausalLM model, NDManager manager, List<int[]> prompts, List<int[]> completions,
            int[][] placement, int sequences, double temperature, boolean withEntropy, boolean packed) {
        int b = prompts.size();
        int len = 0;
        int tc = 1;
        for (int i = 0; i < b; i++) {
            len = Math.max(len, placement[i][1] + prompts.get(i).length + completions.get(i).length);
            tc = Math.max(tc, completions.get(i).length);
        }
        if (len > model.maxPositions() && !packed) {
            throw new IllegalArgumentException("a prompt + completion has " + len + " tokens, past"
                    + " max_position_embeddings=" + model.maxPositions());
        }
        long[] ids = new long[sequences * len];
        long[] positions = new long[sequences * len];
        long[] segments = new long[sequences * len];
        float[] keyMask = new float[sequences * len];
        long[] gatherRows = new long[b * tc]; // flat (sequence, position) whose logits predict each completion token
        long[] targets = new long[b * tc];
        float[] mask = new float[b * tc];
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            int[] c = completions.get(i);
            int base = placement[i][0] * len + placement[i][1];
            for (int t = 0; t < p.length + c.length; t++) {
                ids[base + t] = t < p.length ? p[t] : c[t - p.length];
                positions[base + t] = t;
                segments[base + t] = i + 1;
                keyMask[base + t] = 1f;
            }
            for (int j = 0; j < tc; j++) {
                boolean real = j < c.length;
                gatherRows[i * tc + j] = base + (real ? p.length - 1 + j : p.length - 1);
                targets[i * tc + j] = real ? c[j] : 0;
                mask[i * tc + j] = real ? 1f : 0f;
            }
        }
        Shape shape = new Shape(sequences, len);
        NDArray hidden = model.hidden(manager.create(ids, shape), packed ? manager.create(positions, shape) : null,
                manager.create(keyMask, shape), null, packed ? manager.create(segments, shape) : null); // (S, L, H)
        NDArray picked = hidden.reshape((long) sequences * len, -1).get(new NDIndex("{}", manager.create(gatherRows)));
        NDArray logits = model.logits(picked); // (B*Tc, V)
        if (temperature != 1.0) {
            logits = Scalars.div(logits, (float) temperature);
        }
        NDArray logp = logits.logSoftmax(-1);
        NDArray maskNd = manager.create(mask, new Shape(b, tc));
        NDArray chosen = logp.gather(manager.create(targets, new Shape(b * (long) tc, 1)), 1).reshape(b, tc)
                .mul(maskNd);
        NDArray entropy = null;
        if (withEntropy) {
            entropy = logp.exp().mul(logp).sum(new int[] {-1}).neg().reshape(b, tc).mul(maskNd);
        }
        return new Scores(chosen, maskNd, entropy);
    }
}
