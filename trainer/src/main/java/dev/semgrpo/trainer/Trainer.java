package dev.semgrpo.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.optim.AdamW;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.data.PromptDataset;
import dev.semgrpo.trainer.run.CrashPoint;
import dev.semgrpo.trainer.run.Plots;
import dev.semgrpo.trainer.run.RunDirectory;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.List;

/**
 * The loop GRPO and SFT share: steps, metrics, the non-finite guard, atomic checkpoints (weights, AdamW state,
 * data cursor) and exact resume. A subclass supplies one step.
 */
public abstract class Trainer {
    /** Called after every step with its metrics. */
    @FunctionalInterface
    public interface Listener {
        void onStep(long step, long total, ObjectNode metrics);
    }

    /** One step's outcome: what it logs, the data cursor after it, and whether its loss and gradient were finite. */
    protected record StepResult(StepMetrics metrics, long cursor, boolean finite) {
    }

    /** Builds a trainer once the shared pieces are open. */
    @FunctionalInterface
    protected interface Factory {
        Trainer create(Policy policy, PromptDataset data, RunDirectory run) throws IOException;
    }

    protected final Settings s;
    protected final Policy policy;
    protected final PromptDataset data;
    protected final RunDirectory run;
    protected final AdamW opt;
    protected final long totalSteps;

    protected Trainer(Settings s, Policy policy, PromptDataset data, RunDirectory run, long totalSteps) {
        this.s = s;
        this.policy = policy;
        this.data = data;
        this.run = run;
        this.totalSteps = totalSteps;
        this.opt = new AdamW(policy.trainable(), s.optim().beta1(), s.optim().beta2(), s.optim().eps(),
                s.optim().weightDecay());
    }

    /** Runs step {@code step} (1-based) reading data from {@code cursor}. */
    protected abstract StepResult step(long step, long cursor) throws IOException;

    /** Metrics plotted at the end, with their units (plots/NAME.png and .csv). */
    protected abstract List<Plots.Metric> plotted();

    /** Steps in one pass over the data (rounded up). */
    protected abstract long stepsPerEpoch();

    /** Sequences per optimizer step (SFT: rows; GRPO: completions), as trainer_state.json's train_batch_size. */
    protected abstract int trainBatchSize();

    /** Releases what the trainer holds outside its run directory (a server's adapter), when training ends. */
    protected void finish() throws IOException {
    }

    /**
     * Opens model, data and run directory ({@code resolved} is its config.resolved.yaml), trains, plots, and ends
     * with the last checkpoint's weights in {@code final/} ({@link RunDirectory#writeFinal}), its trainer_state.json in
     * the run directory and the end time in provenance.json ({@link RunDirectory#finish}). The run directory is
     * {@code resume}d from its last complete checkpoint; without one (a run killed before its first checkpoint, or
     * whose set-up failed) it is moved aside and the run starts again, with or without {@code resume} (see {@link
     * RunDirectory#create}).
     *
     * @return the run directory (its final weights are {@link #finalDir})
     */
    protected static Path run(Settings s, ObjectNode resolved, Path resume, Listener listener, Factory factory)
            throws IOException {
        Path dir = resume != null ? resume : s.run().outputDir().resolve(s.run().name());
        TrainerState state = new TrainerState(0, 0, 0, 0);
        List<Path> cps = RunDirectory.checkpoints(dir);
        Path last = resume == null || cps.isEmpty() ? null : cps.get(cps.size() - 1);
        if (last != null) {
            state = TrainerState.load(last);
        }
        try (Policy policy = Policy.open(s.model(), s.run().seed())) {
            PromptDataset data = PromptDataset.load(s.data(), policy.tokenizer(), s.run().seed());
            // a folder without a complete checkpoint (killed before the first, or its set-up failed) starts again
            try (RunDirectory rd = last != null ? RunDirectory.resume(dir, state.step())
                    : RunDirectory.create(dir, resolved, s.run().seed(), s.model().device(), System.err)) {
                Trainer t = factory.create(policy, data, rd);
                try {
                    if (last != null) {
                        policy.restore(last);
                        t.opt.load(last.resolve("optimizer.safetensors"));
                    }
                    t.loop(state, listener);
                    t.finish();
                } finally {
                    t.opt.close();
                }
                Plots.write(rd.dir(), t.plotted());
                List<Path> done = RunDirectory.checkpoints(dir);
                Path lastCheckpoint = done.get(done.size() - 1); // the loop always checkpoints its last step
                rd.writeFinal(lastCheckpoint);
                rd.finish(lastCheckpoint);
            }
        }
        return dir;
    }

    /** The final weights of the run in {@code runDir}: PEFT adapter or HF model files ({@link RunDirectory#FINAL}). */
    public static Path finalDir(Path runDir) {
        return runDir.resolve(RunDirectory.FINAL);
    }

    private void loop(TrainerState state, Listener listener) throws IOException {
        long cursor = state.cursor();
        int nonfinite = state.nonfinite();
        long numTokens = state.numTokens();
        List<Path> existing = RunDirectory.checkpoints(run.dir());
        Path lastGood = existing.isEmpty() ? null : existing.get(existing.size() - 1);
        for (long step = state.step() + 1; step <= totalSteps; step++) {
            Torch.engine().setRandomSeed((int) TrainerState.stepSeed(s.run().seed(), step));
            StepResult r = step(step, cursor);
            cursor = r.cursor();
            nonfinite = r.finite() ? 0 : nonfinite + 1;
            numTokens += r.metrics().trainedTokens();
            ObjectNode line = metricsLine(step, cursor, r.metrics(), numTokens, nonfinite);
            if (step % s.run().logEvery() == 0 || step == totalSteps || !r.finite()) {
                run.metric(line);
            }
            CrashPoint.STEP_LOGGED.reach(step, run.dir().resolve("metrics.jsonl"));
            if (listener != null) {
                listener.onStep(step, totalSteps, line);
            }
            if (nonfinite >= s.run().maxNonfiniteSteps()) {
                throw new IllegalStateException(nonfinite + " consecutive steps had a non-finite loss or gradient norm"
                        + " (last: step " + step + "); the run stopped, the last good checkpoint is "
                        + (lastGood == null ? "none" : lastGood) + ". Lower optim.lr or check the data and rewards.");
            }
            if ((s.run().saveEvery() > 0 && step % s.run().saveEvery() == 0) || step == totalSteps) {
                lastGood = checkpoint(new TrainerState(step, cursor, nonfinite, numTokens), lastGood);
            }
        }
    }

    /**
     * A step's metrics.jsonl line (names in docs/metrics.md): {@code step}; {@code epoch}, the passes over the data
     * so far; the step's own metrics; {@code num_tokens}, prompt plus completion tokens trained on since the run
     * began (TRL's meaning); {@code nonfinite_streak}, consecutive steps with a non-finite loss or gradient norm.
     */
    private ObjectNode metricsLine(long step, long cursor, StepMetrics m, long numTokens, int nonfinite) {
        ObjectNode line = ConfigLoader.YAML.createObjectNode();
        line.put("step", step);
        line.put("epoch", (double) cursor / data.size());
        m.write(line);
        line.put("num_tokens", numTokens);
        line.put("nonfinite_streak", nonfinite);
        return line;
    }

    /**
     * Writes checkpoint {@code st.step()} through a temporary folder. When a file cannot be written (a full disk, no
     * permission) the temporary folder is removed, {@code lastGood} stays the run's last checkpoint, and the error
     * says which file failed, why, and how to go on.
     */
    private Path checkpoint(TrainerState st, Path lastGood) throws IOException {
        Path tmp = run.beginCheckpoint(st.step());
        try {
            policy.save(tmp);
            CrashPoint.CHECKPOINT_FILES.reach(st.step(), tmp.resolve("optimizer.safetensors"));
            opt.save(tmp.resolve("optimizer.safetensors"));
            st.save(tmp, new TrainerState.Hf(totalSteps, (double) st.cursor() / data.size(),
                    (totalSteps + stepsPerEpoch() - 1) / stepsPerEpoch(), s.run().logEvery(), s.run().saveEvery(),
                    trainBatchSize(), logHistory(st.step())));
            return run.commitCheckpoint(tmp, st.step(), s.run().keepLast());
        } catch (RuntimeException e) {
            run.abandonCheckpoint(tmp, e);
            throw e;
        } catch (IOException e) {
            run.abandonCheckpoint(tmp, e);
            String file = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : tmp.toString();
            String why = e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                    : String.valueOf(e.getMessage());
            throw new IOException("checkpoint step-" + st.step() + " could not be written: " + file + ": " + why
                    + ". The run stopped; its last good checkpoint is " + (lastGood == null ? "none (rerun the same"
                    + " command to start again)" : lastGood + " (free space, then resume with --resume " + run.dir()
                    + ")"), e);
        }
    }

    /** The metrics.jsonl lines up to {@code step} (all flushed: each line is flushed as it is written). */
    private List<com.fasterxml.jackson.databind.JsonNode> logHistory(long step) throws IOException {
        List<com.fasterxml.jackson.databind.JsonNode> out = new java.util.ArrayList<>();
        for (dev.semgrpo.model.io.Jsonl.Line l : dev.semgrpo.model.io.Jsonl.read(run.dir().resolve("metrics.jsonl"))) {
            if (l.node().path("step").asLong() <= step) {
                out.add(l.node());
            }
        }
        return out;
    }

    protected static double mean(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += x;
        }
        return v.length == 0 ? 0 : sum / v.length;
    }
}
