package dev.semgrpo.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.Scalars;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.FinishReason;
import dev.semgrpo.model.generate.LocalBackend;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.remote.ApiKeys;
import dev.semgrpo.model.remote.OpenAiBackend;
import dev.semgrpo.model.remote.RemoteException;
import dev.semgrpo.rewards.RewardOutput;
import dev.semgrpo.rewards.RewardSample;
import dev.semgrpo.rewards.config.RewardConfig;
import dev.semgrpo.rewards.config.RewardStack;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.data.PromptDataset;
import dev.semgrpo.trainer.grpo.Advantages;
import dev.semgrpo.trainer.grpo.ImportanceSampling;
import dev.semgrpo.trainer.grpo.PolicyLoss;
import dev.semgrpo.trainer.grpo.PolicyStats;
import dev.semgrpo.trainer.run.Plots;
import dev.semgrpo.trainer.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * GRPO with semantic rewards. One step, in order:
 * <ol>
 * <li>rollout: sample {@code G} completions for each of {@code prompts_per_step} prompts, on this JVM or on an
 * OpenAI-compatible server that is handed the step's adapter ({@link ServerRollouts});</li>
 * <li>score: the reward functions give one reward per completion (and logged components);</li>
 * <li>advantages: group-relative, scaled by group / batch / no std; with dynamic sampling, groups whose rewards
 * all agree are dropped and refilled with new prompts;</li>
 * <li>old and reference log-probs (when {@code num_iterations > 1} and {@code beta > 0}); for server rollouts the
 * trainer's log-probs of the sampled tokens give the truncated importance weights ({@link ImportanceSampling});</li>
 * <li>update: {@code num_iterations} optimizer steps, each over the whole generation batch in micro-batches;</li>
 * <li>metrics: a {@link StepMetrics.Grpo} (names in docs/metrics.md), and every {@code sample_every} steps the
 * completions in samples.jsonl.</li>
 * </ol>
 * Every random draw of a step derives from (seed, step): a resumed run repeats the uninterrupted one exactly.
 */
public final class GrpoTrainer extends Trainer {
    private final Settings.Grpo g;
    private final RewardStack rewards;
    private final ServerRollouts server; // null: rollouts on this JVM

    private GrpoTrainer(Settings s, Policy policy, RewardStack rewards, PromptDataset data, RunDirectory run,
            OpenAiBackend server) {
        super(s, policy, data, run, s.run().maxSteps() != null ? s.run().maxSteps()
                : (long) s.run().epochs() * Math.max(1, (data.size() + s.grpo().promptsPerStep() - 1)
                        / s.grpo().promptsPerStep()));
        this.g = s.grpo();
        this.rewards = rewards;
        Path adapters = s.rollout().adapterDir() != null ? s.rollout().adapterDir()
                : run.dir().resolve("rollout-adapters");
        this.server = server == null ? null : new ServerRollouts(server, policy, adapters, s.run().name());
    }

    /**
     * Trains; returns the run directory.
     *
     * @param rewards the reward config (a pipeline's own encoder and calibration file already in it: {@link
     *     RewardConfig#withEncoderPath}, {@link RewardConfig#withCalibration}); the run records it in
     *     config.resolved.yaml with each {@code tau: auto} replaced by its calibrated number ({@link
     *     RewardStack#withCalibratedTaus})
     * @param resume an existing run directory to continue, or null
     */
    public static Path train(Settings s, RewardConfig rewards, Path resume, Listener listener) throws IOException {
        try (RewardStack stack = RewardStack.build(rewards, Path.of("").toAbsolutePath());
                OpenAiBackend server = s.rollout().remote() ? connect(s.rollout(), System::getenv) : null) {
            return run(s, ConfigLoader.resolved(s, stack.withCalibratedTaus(rewards)), resume, listener,
                    (policy, data, rd) -> new GrpoTrainer(s, policy, stack, data, rd, server));
        }
    }

    /** Connects to the rollout server (before any model is loaded, so a wrong URL or name fails fast). */
    static OpenAiBackend connect(Settings.Rollout r, java.util.function.Function<String, String> env)
            throws IOException {
        String key = ApiKeys.fromEnv(r.apiKeyEnv(), "rollout.api_key_env", env);
        OpenAiBackend.Options o = OpenAiBackend.Options.of(r.baseUrl(), r.model()).withApiKey(key)
                .withTimeout(r.timeout()).withMaxConcurrency(r.maxConcurrency())
                .withRetries(r.maxRetries(), java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(30));
        try {
            return OpenAiBackend.connect(o);
        } catch (RemoteException e) {
            throw new IOException("rollout server: " + e.getMessage(), e);
        }
    }

    @Override
    protected void finish() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected List<Plots.Metric> plotted() {
        return List.of(new Plots.Metric("reward", "weighted sum of the reward functions"),
                new Plots.Metric("loss", "GRPO objective"), new Plots.Metric("kl", "nats per token"),
                new Plots.Metric("entropy", "nats per token"),
                new Plots.Metric("grad_norm", "global L2 norm before clipping"),
                new Plots.Metric("clip_ratio/low_mean", "fraction of tokens, 0-1"),
                new Plots.Metric("clip_ratio/high_mean", "fraction of tokens, 0-1"),
                new Plots.Metric("clip_ratio/region_mean", "fraction of tokens, 0-1"),
                new Plots.Metric("completions/mean_length", "tokens"),
                new Plots.Metric("frac_reward_zero_std", "fraction of groups, 0-1"));
    }

    @Override
    protected long stepsPerEpoch() {
        return Math.max(1, (data.size() + g.promptsPerStep() - 1) / g.promptsPerStep());
    }

    @Override
    protected int trainBatchSize() {
        return g.batch();
    }

    private record Rollout(List<Completion> completions, RewardOutput rewards, double generateSecs,
            double scoreSecs) {
    }

    /**
     * The generation batch of a step: the kept groups' prompts, completions (groups of G, in prompt order), total
     * rewards and logged reward components, with the time spent and the groups dynamic sampling dropped.
     */
    private record Batch(List<PromptDataset.Example> prompts, List<Completion> completions, float[] rewards,
            Map<String, List<Float>> components, double generateSecs, double scoreSecs, int droppedGroups,
            long cursor) {
    }

    @Override
    protected StepResult step(long step, long cursor) throws IOException {
        long t0 = System.nanoTime();
        // 1-2. rollout and score
        Batch b = rolloutAndScore(step, cursor);
        // 3. advantages
        Advantages.Result adv = Advantages.compute(b.rewards(), g.numGenerations(), g.scaleRewards(),
                g.advantageEps());
        // 4-5. log-probs and update
        long tu = System.nanoTime();
        Update u = update(step, b.prompts(), b.completions(), adv.advantages());
        double updSecs = (System.nanoTime() - tu) / 1e9;
        // 6. metrics and samples
        long promptTokens = 0;
        for (PromptDataset.Example p : b.prompts()) {
            promptTokens += (long) p.promptIds().length * g.numGenerations();
        }
        StepMetrics.GrpoTimes times = new StepMetrics.GrpoTimes(b.generateSecs(), b.scoreSecs(), updSecs,
                (System.nanoTime() - t0) / 1e9);
        StepMetrics.Grpo m = new StepMetrics.Grpo(u.lr, u.loss, u.gradNorm, rewardStats(b, adv), u.stats, u.entropy,
                StepMetrics.Completions.of(b.completions()), promptTokens, b.droppedGroups(), u.sampling, times);
        if (step % s.run().sampleEvery() == 0) {
            writeSamples(step, b, adv);
        }
        return new StepResult(m, b.cursor(), u.finite);
    }

    /**
     * Steps 1-2: rollouts of {@code prompts_per_step} prompts from {@code cursor}, scored; with dynamic sampling,
     * groups whose rewards all agree are dropped and refilled with the next prompts for up to {@code max_resample}
     * rounds (the last round is kept as it is).
     */
    private Batch rolloutAndScore(long step, long cursor) throws IOException {
        long seed = TrainerState.stepSeed(s.run().seed(), step);
        List<PromptDataset.Example> prompts = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        List<float[]> groupRewards = new ArrayList<>();
        Map<String, List<Float>> comps = new java.util.LinkedHashMap<>();
        double genSecs = 0;
        double scoreSecs = 0;
        int round = 0;
        int dropped = 0;
        while (prompts.size() < g.promptsPerStep()) {
            int need = g.promptsPerStep() - prompts.size();
            List<PromptDataset.Example> batch = new ArrayList<>();
            for (int i = 0; i < need; i++) {
                batch.add(data.at(cursor++));
            }
            Rollout ro = rollout(step, batch, seed + 7919L * round);
            genSecs += ro.generateSecs();
            scoreSecs += ro.scoreSecs();
            for (int k = 0; k < batch.size(); k++) {
                float[] rw = java.util.Arrays.copyOfRange(ro.rewards.rewards(), k * g.numGenerations(),
                        (k + 1) * g.numGenerations());
                boolean flat = Advantages.compute(rw, g.numGenerations(), Advantages.Scale.NONE, 0).fracZeroStd() > 0;
                boolean last = round >= g.maxResample();
                if (g.dynamicSampling() && flat && !last) {
                    dropped++;
                    continue;
                }
                prompts.add(batch.get(k));
                groupRewards.add(rw);
                for (int i = 0; i < g.numGenerations(); i++) {
                    int idx = k * g.numGenerations() + i;
                    completions.add(ro.completions.get(idx));
                    for (Map.Entry<String, float[]> c : ro.rewards.components().entrySet()) {
                        comps.computeIfAbsent(c.getKey(), x -> new ArrayList<>()).add(c.getValue()[idx]);
                    }
                }
            }
            round++;
        }
        float[] rewardsAll = new float[completions.size()];
        for (int k = 0; k < groupRewards.size(); k++) {
            System.arraycopy(groupRewards.get(k), 0, rewardsAll, k * g.numGenerations(), g.numGenerations());
        }
        return new Batch(prompts, completions, rewardsAll, comps, genSecs, scoreSecs, dropped, cursor);
    }

    /** The logged reward statistics of a batch: the total, each component (not the total again), advantages. */
    private static StepMetrics.Rewards rewardStats(Batch b, Advantages.Result adv) {
        List<StepMetrics.Component> comps = new ArrayList<>();
        for (Map.Entry<String, List<Float>> c : b.components().entrySet()) {
            if (!c.getKey().equals("reward")) {
                float[] v = toArray(c.getValue());
                comps.add(new StepMetrics.Component(c.getKey(), mean(v), std(v)));
            }
        }
        return new StepMetrics.Rewards(mean(b.rewards()), std(b.rewards()), comps, adv.fracZeroStd(),
                mean(adv.advantages()), absMean(adv.advantages()));
    }

    /**
     * One samples.jsonl line per completion: prompt, completion, reference, finish reason, advantage, rewards, and the
     * data record's other fields under {@code extra} (what the reward functions received).
     */
    private void writeSamples(long step, Batch b, Advantages.Result adv) throws IOException {
        for (int i = 0; i < b.completions().size(); i++) {
            PromptDataset.Example p = b.prompts().get(i / g.numGenerations());
            Completion c = b.completions().get(i);
            ObjectNode o = ConfigLoader.YAML.createObjectNode();
            o.put("step", step);
            o.put("prompt", p.promptText());
            o.put("completion", c.text());
            o.put("reference", p.reference());
            o.put("finish_reason", c.finishReason().label());
            o.put("advantage", adv.advantages()[i]);
            for (Map.Entry<String, List<Float>> e : b.components().entrySet()) {
                o.put(e.getKey(), e.getValue().get(i));
            }
            if (!p.extras().isEmpty()) {
                o.set("extra", ConfigLoader.YAML.valueToTree(p.extras())); // as the rewards saw them
            }
            run.sample(o);
        }
    }

    private Rollout rollout(long step, List<PromptDataset.Example> batch, long seed) throws IOException {
        List<int[]> ids = batch.stream().map(PromptDataset.Example::promptIds).toList();
        SamplingParams p = SamplingParams.builder().setMaxNewTokens(g.maxCompletionLength()).optN(g.numGenerations())
                .optTemperature(g.temperature()).optTopK(g.topK()).optTopP(g.topP()).optSeed(seed).build();
        policy.model().setTraining(false);
        long t0 = System.nanoTime();
        List<List<Completion>> groups;
        if (server == null) {
            groups = new LocalBackend(policy.model(), policy.tokenizer(), g.generationBatchSize() * g.numGenerations())
                    .generate(ids, 0, p, null);
        } else {
            try {
                groups = server.forStep(step).generate(ids, 0, p, null);
            } catch (RemoteException e) {
                throw new IOException("step " + step + ": rollouts on the server failed: " + e.getMessage()
                        + ". The run stopped; its checkpoints are intact: once the server is back, resume with "
                        + "semgrpo train grpo --resume " + run.dir(), e);
            }
        }
        double gen = (System.nanoTime() - t0) / 1e9;
        List<Completion> flat = new ArrayList<>();
        List<RewardSample> samples = new ArrayList<>();
        for (int k = 0; k < batch.size(); k++) {
            for (Completion c : groups.get(k)) {
                flat.add(c);
                samples.add(new RewardSample(batch.get(k).promptText(), c.text(), List.of(batch.get(k).reference()),
                        batch.get(k).extras()));
            }
        }
        long t1 = System.nanoTime();
        RewardOutput scored = rewards.reward().score(samples);
        return new Rollout(flat, scored, gen, (System.nanoTime() - t1) / 1e9);
    }

    /** What the update hands to the metrics: means over the {@code num_iterations} passes unless said otherwise. */
    private static final class Update {
        double loss;
        float gradNorm; // of the last optimizer step
        double lr; // of the last optimizer step
        PolicyStats stats = PolicyStats.ZERO;
        double entropy; // first pass
        boolean finite = true;
        ImportanceSampling.Logged sampling; // server rollouts only
    }

    /** Steps 4-5: old/ref log-probs without gradient, then num_iterations optimizer steps over micro-batches. */
    private Update update(long step, List<PromptDataset.Example> prompts, List<Completion> completions,
            float[] advantages) throws IOException {
        int rows = completions.size();
        int micro = s.optim().microBatch();
        List<int[]> p = new ArrayList<>();
        List<int[]> c = new ArrayList<>();
        float[] keep = new float[rows];
        long batchTokens = 0;
        for (int i = 0; i < rows; i++) {
            p.add(prompts.get(i / g.numGenerations()).promptIds());
            c.add(completions.get(i).tokenIds());
            keep[i] = g.maskTruncated() && completions.get(i).finishReason() == FinishReason.LENGTH ? 0f : 1f;
            batchTokens += (long) (keep[i] * completions.get(i).tokenIds().length);
        }
        Update u = new Update();
        try (NDManager sm = policy.model().manager().newSubManager()) {
            int n = (rows + micro - 1) / micro;
            NDArray[] old = new NDArray[n];
            NDArray[] ref = new NDArray[n];
            NDArray[] isWeights = new NDArray[n];
            NDArray keepNd = sm.create(keep).reshape(-1, 1);
            ImportanceSampling.Summary sampling = server != null ? new ImportanceSampling.Summary() : null;
            if (g.numIterations() > 1 || g.beta() != 0 || server != null) {
                policy.model().setTraining(false);
                for (int b = 0; b < n; b++) {
                    int from = b * micro;
                    int to = Math.min(rows, from + micro);
                    // each pass in its own sub-manager, keeping only the (B, Tc) log-probs: the forward's
                    // intermediates are freed per micro-batch instead of living until the update ends
                    if (g.numIterations() > 1 || server != null) {
                        try (NDManager tmp = sm.newSubManager()) {
                            LogProbScorer.Scores sc = LogProbScorer.score(policy.model(), tmp, p.subList(from, to),
                                    c.subList(from, to), g.temperature(), false);
                            if (server != null) {
                                NDArray mask = sc.mask().mul(keepNd.get(from + ":" + to));
                                ImportanceSampling.Result r = ImportanceSampling.truncated(sc.logprobs(),
                                        serverLogprobs(tmp, completions.subList(from, to),
                                                sc.logprobs().getShape().get(1)), mask, s.rollout().isCap());
                                sampling.add(r.stats().pull());
                                if (s.rollout().isCorrection()) {
                                    isWeights[b] = r.weights();
                                    isWeights[b].attach(sm);
                                }
                            }
                            if (g.numIterations() > 1) {
                                old[b] = sc.logprobs();
                                old[b].attach(sm);
                            }
                        }
                    }
                    if (g.beta() != 0) {
                        try (NDManager tmp = sm.newSubManager()) {
                            ref[b] = policy.withReference(refModel -> LogProbScorer.score(refModel, tmp,
                                    p.subList(from, to), c.subList(from, to), g.temperature(), false).logprobs());
                            ref[b].attach(sm);
                        }
                    }
                }
            }
            NDArray advNd = sm.create(advantages);
            u.sampling = sampling == null ? null : sampling.logged();
            double entropySum = 0;
            double tokenCount = 0;
            for (int it = 0; it < g.numIterations(); it++) {
                policy.model().setTraining(true);
                double lossSum = 0;
                PolicyStats.TokenMean stats = new PolicyStats.TokenMean();
                for (int b = 0; b < n; b++) {
                    int from = b * micro;
                    int to = Math.min(rows, from + micro);
                    try (NDManager mb = sm.newSubManager(); GradientCollector gc = Torch.gradients()) {
                        LogProbScorer.Scores sc = LogProbScorer.score(policy.model(), mb, p.subList(from, to),
                                c.subList(from, to), g.temperature(), it == 0);
                        NDArray mask = sc.mask().mul(keepNd.get(from + ":" + to));
                        PolicyLoss.Result r = PolicyLoss.compute(sc.logprobs(), old[b], ref[b],
                                advNd.get(from + ":" + to), mask, isWeights[b], g.epsilon(), g.epsilonHigh(),
                                g.beta(), g.kl(), g.lossType(), g.maxCompletionLength(), batchTokens);
                        NDArray loss = Scalars.mul(r.loss(), g.lossType().share(to - from, rows, n));
                        gc.backward(loss);
                        // the host reads per micro-batch: the loss, the five statistics, the counted tokens
                        lossSum += loss.getFloat();
                        float counted = mask.sum().getFloat();
                        stats.add(r.stats().pull(), counted); // means over this micro-batch's counted tokens
                        if (it == 0) {
                            float[] e = sc.entropy().mul(mask).sum().toFloatArray();
                            entropySum += e[0];
                            tokenCount += counted;
                        }
                    }
                }
                // one optimizer step per iteration: the schedule runs over totalSteps x num_iterations
                u.lr = s.lr((step - 1) * g.numIterations() + it, totalSteps * g.numIterations());
                u.gradNorm = opt.step((float) u.lr, s.optim().maxGradNorm());
                // logged values are means over the iterations, as TRL logs them
                u.loss += lossSum / g.numIterations();
                u.stats = u.stats.plusShare(stats.mean(), g.numIterations());
                if (!Double.isFinite(lossSum) || !Float.isFinite(u.gradNorm)) {
                    u.finite = false;
                }
            }
            policy.model().setTraining(false);
            u.entropy = tokenCount == 0 ? 0 : entropySum / tokenCount;
        }
        return u;
    }

    /** The server's log-probs of a micro-batch's completions as (B, Tc), 0 past each completion's end. */
    private static NDArray serverLogprobs(NDManager m, List<Completion> completions, long tc) {
        float[] v = new float[(int) (completions.size() * tc)];
        for (int i = 0; i < completions.size(); i++) {
            float[] lp = completions.get(i).logprobs();
            if (lp.length > tc) {
                throw new IllegalStateException("completion " + i + " has " + lp.length + " log-probs for at most "
                        + tc + " tokens");
            }
            System.arraycopy(lp, 0, v, (int) (i * tc), lp.length);
        }
        return m.create(v, new ai.djl.ndarray.types.Shape(completions.size(), tc));
    }

    /** Standard deviation (Bessel), as {@link Advantages} computes it for one group. */
    private static float std(float[] v) {
        return Advantages.compute(v, v.length, Advantages.Scale.NONE, 0).groupStd()[0];
    }

    private static double absMean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += Math.abs(x);
        }
        return v.length == 0 ? 0 : s / v.length;
    }

    private static float[] toArray(List<Float> l) {
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }
}
