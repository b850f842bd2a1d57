package dev.semgrpo.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.nn.CausalLM;
import java.util.List;

/**
 * Per-token log-probabilities (and entropies) of given completions under the model. Rows are
 * {@code prompt + completion}, right-padded; only completion positions are scored. Open a GradientCollector around
 * the call to get gradients (for example to LoRA factors); without one, no graph is recorded.
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
        if (prompts.size() != completions.size()) {
            throw new IllegalArgumentException("got " + prompts.size() + " prompts but " + completions.size()
                    + " completions");
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, found " + temperature);
        }
        int b = prompts.size();
        int len = 0;
        int tc = 1;
        for (int i = 0; i < b; i++) {
            if (prompts.get(i).length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty; scoring needs at least one prompt token");
            }
            len = Math.max(len, prompts.get(i).length + completions.get(i).length);
            tc = Math.max(tc, completions.get(i).length);
        }
        if (len > model.maxPositions()) {
            throw new IllegalArgumentException("a prompt + completion has " + len + " tokens, past"
                    + " max_position_embeddings=" + model.maxPositions());
        }
        long[] ids = new long[b * len];
        float[] keyMask = new float[b * len];
        long[] gatherRows = new long[b * tc]; // flat (row, position) whose logits predict each completion token
        long[] targets = new long[b * tc];
        float[] mask = new float[b * tc];
        int vocab = model.config().vocabSize();
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            int[] c = completions.get(i);
            for (int t = 0; t < p.length + c.length; t++) {
                int tok = t < p.length ? p[t] : c[t - p.length];
                if (tok < 0 || tok >= vocab) {
                    throw new IllegalArgumentException("row " + i + " holds token id " + tok
                            + " outside the vocabulary [0, " + vocab + ")");
                }
                ids[i * len + t] = tok;
                keyMask[i * len + t] = 1f;
            }
            for (int j = 0; j < tc; j++) {
                boolean real = j < c.length;
                gatherRows[i * tc + j] = (long) i * len + (real ? p.length - 1 + j : p.length - 1);
                targets[i * tc + j] = real ? c[j] : 0;
                mask[i * tc + j] = real ? 1f : 0f;
            }
        }
        NDArray hidden = model.hidden(manager.create(ids, new Shape(b, len)), null,
                manager.create(keyMask, new Shape(b, len)), null); // (B, L, H)
        NDArray picked = hidden.reshape(b * (long) len, -1).get(new NDIndex("{}", manager.create(gatherRows)));
        NDArray logits = model.logits(picked); // (B*Tc, V)
        if (temperature != 1.0) {
            logits = logits.div((float) temperature);
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
