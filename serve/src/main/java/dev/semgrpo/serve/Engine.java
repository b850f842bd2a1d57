package dev.semgrpo.serve;

import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.LogProbScorer.SequenceLogprobs;
import dev.semgrpo.model.generate.LogprobsMode;
import dev.semgrpo.model.generate.StreamKey;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a batch of compatible {@link Job}s on the one model: puts the batch's adapter on, generates every job's
 * prompts in one {@link Generator} call (each prompt keyed by its job's seed and its index in the job, so a job gets
 * what it would get alone), and scores prompts for echo ({@link LogProbScorer#sequence}). Used by the scheduler's
 * engine thread only.
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
            List<SequenceLogprobs> prompts = null;
            if (job.wantsPromptLogprobs()) {
                prompts = new ArrayList<>();
                for (int[] p : job.prompts()) {
                    prompts.add(LogProbScorer.sequence(model, p, job.promptTopLogprobs()));
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
}
