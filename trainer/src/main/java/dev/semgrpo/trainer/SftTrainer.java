package dev.semgrpo.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.semgrpo.model.Scalars;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.data.PromptDataset;
import dev.semgrpo.trainer.run.Plots;
import dev.semgrpo.trainer.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Supervised fine-tuning on (prompt, reference): cross-entropy on the completion tokens only (the assistant turn
 * the chat template writes for the reference, or the reference and an eos for plain prompts; see
 * {@link PromptDataset.Example#completionIds}), token-level mean over the batch, in micro-batches, optionally packed
 * (rows share sequences without seeing each other). The paper's cold-start stage and the strong-SFT baseline both
 * use it.
 */
public final class SftTrainer extends Trainer {
    /** Examples of a step's batch written to samples.jsonl every run.sample_every steps. */
    static final int SAMPLES_PER_STEP = 2;
    private final Settings.Sft sft;

    private SftTrainer(Settings s, Policy policy, PromptDataset data, RunDirectory run) {
        super(s, policy, data, run, s.run().maxSteps() != null ? s.run().maxSteps()
                : (long) s.run().epochs() * Math.max(1, (data.size() + s.sft().batchSize() - 1) / s.sft().batchSize()));
        this.sft = s.sft();
    }

    public static Path train(Settings s, Path resume, Listener listener) throws IOException {
        return run(s, ConfigLoader.resolved(s, null), resume, listener,
                (policy, data, rd) -> new SftTrainer(s, policy, data, rd));
    }

    @Override
    protected List<Plots.Metric> plotted() {
        return List.of(new Plots.Metric("loss", "mean NLL, nats per token"),
                new Plots.Metric("learning_rate", "per optimizer step"),
                new Plots.Metric("grad_norm", "global L2 norm before clipping"));
    }

    @Override
    protected long stepsPerEpoch() {
        return Math.max(1, (data.size() + sft.batchSize() - 1) / sft.batchSize());
    }

    @Override
    protected int trainBatchSize() {
        return sft.batchSize();
    }

    @Override
    protected StepResult step(long step, long cursor) throws IOException {
        long t0 = System.nanoTime();
        List<int[]> prompts = new ArrayList<>();
        List<int[]> comps = new ArrayList<>();
        int cut = 0;
        long tokens = 0; // completion tokens: the loss is their mean NLL
        long promptTokens = 0;
        for (int i = 0; i < sft.batchSize(); i++) {
            PromptDataset.Example e = data.at(cursor++);
            int[] c = e.completionIds();
            int room = sft.maxLength() - e.promptIds().length;
            if (room < 1) {
                throw new IllegalArgumentException("record " + e.index() + ": the prompt alone has "
                        + e.promptIds().length + " tokens, sft.max_length is " + sft.maxLength());
            }
            if (c.length > room) {
                c = java.util.Arrays.copyOf(c, room);
                cut++;
            }
            prompts.add(e.promptIds());
            comps.add(c);
            tokens += c.length;
            promptTokens += e.promptIds().length;
        }
        int micro = s.optim().microBatch();
        double lossSum = 0;
        policy.model().setTraining(true);
        try (NDManager sm = policy.model().manager().newSubManager()) {
            for (int from = 0; from < prompts.size(); from += micro) {
                int to = Math.min(prompts.size(), from + micro);
                try (NDManager mb = sm.newSubManager(); GradientCollector gc = Torch.gradients()) {
                    // packing puts a micro-batch's rows into fewer sequences of max_length (block-diagonal mask)
                    LogProbScorer.Scores sc = sft.packing()
                            ? LogProbScorer.scorePacked(policy.model(), mb, prompts.subList(from, to),
                                    comps.subList(from, to), sft.maxLength(), 1.0, false)
                            : LogProbScorer.score(policy.model(), mb, prompts.subList(from, to),
                                    comps.subList(from, to), 1.0, false);
                    NDArray loss = Scalars.div(sc.logprobs().mul(sc.mask()).sum().neg(), tokens);
                    gc.backward(loss);
                    lossSum += loss.getFloat();
                }
            }
        } finally {
            policy.model().setTraining(false);
        }
        double lr = s.lr(step - 1, totalSteps);
        float norm = opt.step((float) lr, s.optim().maxGradNorm());
        boolean finite = Double.isFinite(lossSum) && Float.isFinite(norm);
        if (step % s.run().sampleEvery() == 0) {
            writeSamples(step, cursor - prompts.size(), comps);
        }
        return new StepResult(new StepMetrics.Sft(lr, lossSum, norm, tokens, promptTokens, cut,
                (System.nanoTime() - t0) / 1e9), cursor, finite);
    }

    /**
     * samples.jsonl rows for the first {@link #SAMPLES_PER_STEP} examples of the step's batch, after the update:
     * {@code prompt}, {@code reference}, {@code argmax} (the model's most likely token at each position of the
     * reference under teacher forcing, decoded: one forward pass each, far cheaper than generating) and
     * {@code argmax_accuracy} (the share of the reference's tokens it got right).
     *
     * @param first the data cursor of the batch's first example
     * @param comps the batch's completion ids as trained (cut to sft.max_length)
     */
    private void writeSamples(long step, long first, List<int[]> comps) throws IOException {
        for (int i = 0; i < Math.min(SAMPLES_PER_STEP, comps.size()); i++) {
            PromptDataset.Example e = data.at(first + i);
            int[] c = comps.get(i);
            int[] argmax = teacherForcedArgmax(e.promptIds(), c);
            int right = 0;
            for (int t = 0; t < c.length; t++) {
                right += argmax[t] == c[t] ? 1 : 0;
            }
            var o = ConfigLoader.YAML.createObjectNode();
            o.put("step", step);
            o.put("index", e.index());
            o.put("prompt", e.promptText());
            o.put("reference", e.reference());
            o.put("argmax", policy.tokenizer().decode(argmax, false));
            o.put("argmax_accuracy", c.length == 0 ? 0.0 : (double) right / c.length);
            run.sample(o);
        }
    }

    /** The most likely token at each completion position given the prompt and the reference before it. */
    private int[] teacherForcedArgmax(int[] prompt, int[] completion) {
        if (completion.length == 0) {
            return new int[0];
        }
        long[] ids = new long[prompt.length + completion.length - 1];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = t < prompt.length ? prompt[t] : completion[t - prompt.length];
        }
        try (NDManager m = policy.model().manager().newSubManager()) {
            NDArray logits = policy.model().forward(m.create(ids, new ai.djl.ndarray.types.Shape(1, ids.length)),
                    null, null, null, false); // (1, T, V)
            NDArray last = logits.get(new ai.djl.ndarray.index.NDIndex("0, " + (prompt.length - 1) + ":, :"));
            long[] best = last.argMax(-1).toLongArray(); // (completion,) one pull
            int[] out = new int[best.length];
            for (int t = 0; t < best.length; t++) {
                out[t] = (int) best[t];
            }
            return out;
        }
    }

    /** Mean per-token NLL of the references under {@code policy} (evaluation; no gradient). */
    static double completionNll(Policy policy, PromptDataset data) {
        double nll = 0;
        long tokens = 0;
        try (NDManager m = policy.model().manager().newSubManager()) {
            for (int i = 0; i < data.size(); i++) {
                PromptDataset.Example e = data.at(i);
                LogProbScorer.Scores sc = LogProbScorer.score(policy.model(), m, List.of(e.promptIds()),
                        List.of(e.completionIds()), 1.0, false);
                nll -= sc.logprobs().sum().getFloat();
                tokens += (long) sc.mask().sum().getFloat();
            }
        }
        return nll / Math.max(1, tokens);
    }
}
