package dev.semgrpo.model.generate;

import ai.djl.ndarray.NDManager;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.util.List;
import java.util.function.IntConsumer;

/** Generation and scoring on this JVM's engine: a {@link Generator} and {@link LogProbScorer} over one model. */
public final class LocalBackend implements GenerationBackend {
    private final CausalLM model;
    private final TextTokenizer tokenizer;
    private final int maxBatchRows;

    /**
     * @param model the model to decode with, its adapters attached (the caller keeps ownership)
     * @param tokenizer decodes completions and detects stop strings
     * @param maxBatchRows most sequences decoded together (see {@link Generator#maxBatchRows})
     */
    public LocalBackend(CausalLM model, TextTokenizer tokenizer, int maxBatchRows) {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("max batch rows must be >= 1, found " + maxBatchRows);
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.maxBatchRows = maxBatchRows;
    }

    public CausalLM model() {
        return model;
    }

    @Override
    public int maxPositions() {
        return model.maxPositions();
    }

    @Override
    public List<List<Completion>> generate(List<int[]> prompts, int firstIndex, SamplingParams params,
            IntConsumer progress) {
        return new Generator(model, tokenizer).maxBatchRows(maxBatchRows).generate(prompts, firstIndex, params,
                progress);
    }

    /**
     * All rows in one forward: the caller batches. A non-finite row is diagnosed layer by layer, and the error
     * carries its {@link NonFiniteLogitsException#row() row}.
     */
    @Override
    public double[] continuationLogprobs(List<int[]> prompts, List<int[]> continuations) {
        double[] out = new double[prompts.size()];
        try (NDManager m = model.manager().newSubManager()) {
            LogProbScorer.Scores s = LogProbScorer.score(model, m, prompts, continuations, 1.0, false);
            float[] sums = s.logprobs().mul(s.mask()).sum(new int[] {1}).toFloatArray();
            for (int r = 0; r < sums.length; r++) {
                if (!Float.isFinite(sums[r])) {
                    throw NonFiniteLogitsException.diagnose(model, "scoring row " + r, prompts.get(r),
                            continuations.get(r)).atRow(r);
                }
                out[r] = sums[r];
            }
        }
        return out;
    }

    @Override
    public String describe() {
        return "local engine (" + model.sourceDir() + ")";
    }

    @Override
    public void close() {
    }
}
