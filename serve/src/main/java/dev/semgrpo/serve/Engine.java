package dev.semgrpo.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.LogprobsMode;
import dev.semgrpo.model.generate.NonFiniteLogitsException;
import dev.semgrpo.model.generate.StreamKey;
import dev.semgrpo.model.generate.TopLogprobs;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.serve.JobResult.PromptLogprobs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs a batch of compatible {@link Job}s on the one model: puts the batch's adapter on, generates every job's
 * prompts in one {@link Generator} call (each prompt keyed by its job's seed and its index in the job, so a job gets
 * what it would get alone), and scores prompts for echo. Used by the scheduler's engine thread only.
 */
final class Engine {
    private final CausalLM model;
    private final TextTokenizer tokenizer;
    private final AdapterRegistry adapters;
    private final int maxBatchRows;
    private final LogprobsMode logprobsMode;

    Engine(CausalLM model, TextTokenizer tokenizer, AdapterRegistry adapters, int maxBatchRows,
            LogprobsMode logprobsMode) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.adapters = adapters;
        this.maxBatchRows = maxBatchRows;
        this.logprobsMode = logprobsMode;
    }

    AdapterRegistry adapters() {
        return adapters;
    }

    /** Results in job order; all jobs must share one {@link Job#key()}. */
    List<JobResult> run(List<Job> batch) {
        Job first = batch.get(0);
        adapters.activate(first.model());
        List<List<List<Completion>>> groups = first.params() == null ? null : generate(batch);
        List<JobResult> out = new ArrayList<>();
        for (int j = 0; j < batch.size(); j++) {
            Job job = batch.get(j);
            List<PromptLogprobs> prompts = null;
            if (job.wantsPromptLogprobs()) {
                prompts = new ArrayList<>();
                for (int[] p : job.prompts()) {
                    prompts.add(scorePrompt(p, job.promptTopLogprobs()));
                }
            }
            List<List<Completion>> g = groups != null ? groups.get(j)
                    : job.prompts().stream().map(p -> List.<Completion>of()).toList();
            out.add(new JobResult(g, prompts));
        }
        return out;
    }

    /** Per job, per prompt, its completions. */
    private List<List<List<Completion>>> generate(List<Job> batch) {
        List<int[]> prompts = new ArrayList<>();
        List<StreamKey> keys = new ArrayList<>();
        int top = 0;
        for (Job job : batch) {
            for (int i = 0; i < job.prompts().size(); i++) {
                prompts.add(job.prompts().get(i));
                keys.add(new StreamKey(job.seed(), i));
            }
            top = Math.max(top, job.topLogprobs());
        }
        List<List<Completion>> all = new Generator(model, tokenizer).maxBatchRows(maxBatchRows)
                .logprobsMode(logprobsMode).topLogprobs(top).generate(prompts, keys, batch.get(0).params(), null);
        List<List<List<Completion>>> out = new ArrayList<>();
        int at = 0;
        for (Job job : batch) {
            List<List<Completion>> groups = new ArrayList<>();
            for (int i = 0; i < job.prompts().size(); i++) {
                List<Completion> group = all.get(at++);
                if (group.size() < job.copies()) { // greedy: n copies of the one answer
                    List<Completion> copies = new ArrayList<>();
                    for (int s = 0; s < job.copies(); s++) {
                        copies.add(group.get(0).withSampleIndex(s));
                    }
                    group = copies;
                }
                groups.add(group);
            }
            out.add(groups);
        }
        return out;
    }

    /**
     * Raw log-probs of a prompt's tokens after the first, and their {@code k} alternatives, from one forward pass
     * and one pull: (length - 1, 1 + 2k) = logprob, k ids, k log-probs.
     */
    private PromptLogprobs scorePrompt(int[] prompt, int k) {
        int scored = prompt.length - 1;
        if (scored == 0) {
            return new PromptLogprobs(new float[0], k > 0 ? List.of() : null);
        }
        int vocab = model.config().vocabSize();
        float[] pulled;
        try (NDManager m = model.manager().newSubManager()) {
            long[] ids = Arrays.stream(prompt).asLongStream().toArray();
            long[] targets = Arrays.stream(prompt, 1, prompt.length).asLongStream().toArray();
            NDArray logits = model.forward(m.create(ids, new Shape(1, ids.length)), null, null, null, false)
                    .reshape(prompt.length, vocab).get("0:" + scored); // (L - 1, V), predicting tokens 1..L-1
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
                throw NonFiniteLogitsException.diagnose(model, "scoring prompt token " + (t + 1), prompt);
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
        return new PromptLogprobs(logprobs, top);
    }
}
