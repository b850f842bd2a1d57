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
    protected List<String> plotted() {
        return List.of("loss", "learning_rate", "grad_norm");
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
        return new StepResult(new StepMetrics.Sft(lr, lossSum, norm, tokens, promptTokens, cut,
                (System.nanoTime() - t0) / 1e9), cursor, finite);
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
