package dev.semgrpo.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.report.Report;
import dev.semgrpo.eval.report.ReportOptions;
import dev.semgrpo.eval.report.ReportResult;
import dev.semgrpo.eval.task.EvalRun;
import dev.semgrpo.eval.task.Evaluator;
import dev.semgrpo.eval.task.Progress;
import dev.semgrpo.eval.task.TaskConfig;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.DirectoryLock;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.io.YamlConfig;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.rewards.config.RewardConfig;
import dev.semgrpo.rewards.config.RewardStack;
import dev.semgrpo.rewards.encoder.NativeSentenceEncoder;
import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import dev.semgrpo.rewards.train.EmbedderTrainer;
import dev.semgrpo.rewards.train.WordEncoders;
import dev.semgrpo.trainer.GrpoTrainer;
import dev.semgrpo.trainer.SftTrainer;
import dev.semgrpo.trainer.Trainer;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.data.PromptDataset;
import dev.semgrpo.trainer.plan.MemoryBudget;
import dev.semgrpo.trainer.plan.Preflight;
import dev.semgrpo.trainer.run.RunDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Runs a {@link PipelineConfig} as typed {@link Stage}s, each writing {@code <output_dir>/<stage>/} and, when it has
 * finished, its {@link StageOutputs} in {@code <output_dir>/<stage>/stage.json} ({@link StageMarker}). A stage with
 * that file is complete and skipped; a training stage interrupted after a checkpoint resumes from it; one interrupted
 * before any checkpoint is moved aside ({@code <stage>.interrupted-<time>}) and starts again. So a crashed pipeline,
 * run again, redoes nothing finished.
 *
 * <p>Stages, in order (those not configured are left out; the list is {@link Stage#of}): {@code pretrain},
 * {@code encoder}, {@code cold_start}, {@code merge} (the cold-start adapter folded into the base), {@code calibrate}
 * (the cold-start model's outputs on training prompts, for {@code tau: auto}), {@code grpo}, {@code strong_sft},
 * {@code eval_base}, {@code eval_cold_start}, {@code eval_strong_sft}, {@code eval_grpo}, {@code report}.
 */
public final class Pipeline {
    public static final String MARKER = StageMarker.FILE;
    /** The report folder's subfolder comparing GRPO with the cold start (the cold start as the base). */
    public static final String VS_COLD_START = "vs-cold-start";

    /** Where a pipeline reports progress. */
    public interface Hooks {
        /** A listener for a training stage's steps. */
        Trainer.Listener training(String stage);

        /** Progress of evaluation tasks. */
        Progress evaluation(String stage);

        /** Line-oriented log. */
        PrintStream log();
    }

    private final PipelineConfig c;
    private final List<Stage> stages;
    private final Path dir;
    private final Path out;
    private final long seed;
    private final Hooks hooks;
    private MemoryBudget budget;
    private boolean checkMemory = true;

    public Pipeline(Path configFile, PipelineConfig config, Hooks hooks) {
        this.c = config;
        this.stages = Stage.of(config);
        this.dir = configFile.toAbsolutePath().getParent();
        this.out = dir.resolve(config.outputDir() == null ? "runs/" + config.name() : config.outputDir()).normalize();
        this.seed = config.seed();
        this.hooks = hooks;
    }

    /** The output folder. */
    public Path out() {
        return out;
    }

    PipelineConfig config() {
        return c;
    }

    /** The pipeline file's folder, where its relative paths resolve. */
    Path configDir() {
        return dir;
    }

    /**
     * The pre-flight of the stages still to run, or of stage {@code only} alone: every missing input and the memory
     * plans (see {@link Preflight}).
     */
    public Preflight preflight(String only) throws IOException {
        return PipelinePreflight.of(this, only, false);
    }

    /**
     * Sets what {@link #run} checks first: the memory plan against {@code budget} (null: this machine's GPU that the
     * stages use, or its RAM, see {@link MemoryBudget#of}), or no memory check at all;
     * missing inputs are always checked.
     */
    public Pipeline memoryCheck(MemoryBudget budget, boolean check) {
        this.budget = budget;
        this.checkMemory = check;
        return this;
    }

    /** The configured stages, in order. */
    List<Stage> stageList() {
        return stages;
    }

    /** The configured stages' names, in order. */
    public List<String> stages() {
        return stages.stream().map(Stage::name).toList();
    }

    /**
     * True when the stage's folder holds its completion marker: a JSON object with the {@code finished} time, written
     * last and atomically (a marker a kill or a user left half-written does not count, and the stage runs again).
     */
    public boolean complete(String stage) {
        return StageMarker.complete(out.resolve(stage));
    }

    /** What a complete stage recorded; an error naming the marker when the stage has not finished. */
    public <T extends StageOutputs> T outputs(String stage, Class<T> type) throws IOException {
        return StageMarker.read(out.resolve(stage), stage, type);
    }

    /**
     * Runs every incomplete stage, or only {@code only} (its earlier stages must be complete).
     *
     * @return the report folder, or the stage's folder when only one stage ran
     */
    public Path run(String only) throws IOException {
        if (only != null && !stages().contains(only)) {
            throw new IllegalArgumentException("no stage '" + only + "' in this pipeline; its stages are " + stages());
        }
        Preflight pre = PipelinePreflight.of(this, only, true);
        if (pre.gpuDevice() != null) {
            Torch.requireAvailable(Torch.device(pre.gpuDevice(), "device"));
        }
        pre.check(budget != null ? budget : MemoryBudget.of(pre.gpuDevice(), null),
                checkMemory);
        Files.createDirectories(out);
        // one pipeline process per output folder: a second would run the same stages into the same folders
        try (DirectoryLock lock = DirectoryLock.acquire(out, "pipeline output")) {
            runStages(only);
        }
        return only == null ? out.resolve("report") : out.resolve(only);
    }

    private void runStages(String only) throws IOException {
        List<String> names = stages();
        for (Stage stage : stages) {
            String name = stage.name();
            if (only != null && !name.equals(only)) {
                if (names.indexOf(name) < names.indexOf(only) && !complete(name)) {
                    throw new IllegalArgumentException("stage '" + only + "' needs '" + name + "' first, and "
                            + out.resolve(name) + " is not complete; run the pipeline without --stage, or --stage "
                            + name);
                }
                continue;
            }
            if (complete(name)) {
                hooks.log().println("== " + name + ": complete, skipped (" + out.resolve(name) + ")");
                continue;
            }
            hooks.log().println("== " + name);
            long t0 = System.nanoTime();
            StageOutputs o = stage.run(this);
            StageMarker.write(out.resolve(name), o, (System.nanoTime() - t0) / 1e9);
        }
    }

    /**
     * Checks the whole pipeline without running it: every training stage's config binds with the pipeline's
     * overrides, and every evaluation task loads. Errors name the stage and the file.
     */
    public void validate() throws IOException {
        for (Stage s : stages) {
            if (s instanceof Stage.Train t) {
                stageConfig(t.name(), t.name().equals("pretrain") ? null : out.resolve("<model>"));
            }
        }
        evalTasks();
    }

    /** The evaluation tasks, loaded, with eval.limit and the pipeline's chat_template_kwargs applied. */
    List<TaskConfig.Loaded> evalTasks() throws IOException {
        PipelineConfig.Eval e = c.eval();
        Path tasksDir = dir.resolve(e.tasksDir());
        List<TaskConfig.Loaded> tasks = new ArrayList<>();
        for (String t : e.tasks()) {
            TaskConfig.Loaded task = EvalRun.withLimit(TaskConfig.load(EvalRun.resolveTask(t, tasksDir)), e.limit());
            tasks.add(c.chatTemplateKwargs() == null ? task : task.withChatTemplateKwargs(c.chatTemplateKwargs()));
        }
        return tasks;
    }

    /** Moves a stage's output aside (kept, not deleted) so that the stage runs again. */
    public Path redo(String stage) throws IOException {
        if (!stages().contains(stage)) {
            throw new IllegalArgumentException("no stage '" + stage + "' in this pipeline; its stages are "
                    + stages());
        }
        // never under a running pipeline (an output folder that does not exist yet has no writer)
        try (DirectoryLock lock = Files.isDirectory(out) ? DirectoryLock.acquire(out, "pipeline output") : null) {
            return RunDirectory.moveAside(out.resolve(stage));
        }
    }

    // ---- model paths between stages

    private Path baseModel() throws IOException {
        if (c.pretrain() != null) {
            return outputs("pretrain", StageOutputs.Trained.class).model();
        }
        return dir.resolve(c.baseModel()).normalize();
    }

    private Path encoderDir() throws IOException {
        return c.encoder() == null ? null : outputs("encoder", StageOutputs.Encoded.class).encoder();
    }

    /** The model a training stage starts from: none (pretrain creates it), the merged cold start (GRPO) or the base. */
    private Path startingModel(String stage) throws IOException {
        return switch (stage) {
            case "pretrain" -> null;
            case "grpo" -> outputs("merge", StageOutputs.Merged.class).model();
            default -> baseModel();
        };
    }

    // ---- stages

    /**
     * A training stage's config as the pipeline runs it: its config file and {@code set} overrides, then the pipeline's
     * run name, output folder, seed, model, device and chat_template_kwargs; for GRPO, the rewards with the pipeline's
     * own encoder (when it trains one).
     */
    ConfigLoader.Loaded stageConfig(String stage, Path model) throws IOException {
        PipelineConfig.Training st = c.training(stage);
        Path file = dir.resolve(st.config());
        YamlConfig.Source source = YamlConfig.Source.file(file, ConfigLoader.KIND.noun(), st.set());
        ObjectNode tree = ConfigLoader.tree(source, file);
        ObjectNode run = tree.with("run");
        run.put("name", stage);
        run.put("output_dir", out.toString());
        run.put("seed", seed);
        ObjectNode m = tree.with("model");
        if (model != null) {
            m.put("path", model.toString());
            m.remove("init");
        } else if (m.has("init")) {
            m.put("path", out.resolve(stage + "-init").toString());
        }
        if (c.device() != null) {
            m.put("device", c.device());
        }
        if (c.chatTemplateKwargs() != null) {
            tree.with("data").set("chat_template_kwargs", Jsonl.JSON.valueToTree(c.chatTemplateKwargs()));
        }
        boolean grpo = stage.equals("grpo");
        try {
            ConfigLoader.Loaded l = ConfigLoader.load(tree, source, file.toAbsolutePath().getParent(), grpo);
            return grpo && c.encoder() != null && complete("encoder")
                    ? new ConfigLoader.Loaded(l.settings(), l.rewards().withEncoderPath(encoderDir())) : l;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pipeline stage " + stage + ": " + e.getMessage(), e);
        }
    }

    StageOutputs.Trained train(Stage.Train stage) throws IOException {
        String name = stage.name();
        ConfigLoader.Loaded l = stageConfig(name, startingModel(name));
        Settings s = l.settings();
        Path runDir = out.resolve(name);
        Path resume = null;
        if (Files.isDirectory(runDir)) {
            List<Path> cps = RunDirectory.checkpoints(runDir);
            if (!cps.isEmpty()) {
                resume = runDir;
                hooks.log().println("   resuming " + runDir + " from " + cps.get(cps.size() - 1).getFileName());
            } else {
                Path aside = RunDirectory.moveAside(runDir);
                hooks.log().println("   " + runDir + " had no checkpoint; moved aside to " + aside);
            }
        }
        Trainer.Listener listener = hooks.training(name);
        if (name.equals("grpo")) {
            RewardConfig rewards = l.rewards().withCalibration(outputs("calibrate", StageOutputs.Calibrated.class)
                    .calibration());
            GrpoTrainer.train(s, rewards, resume, listener);
        } else {
            SftTrainer.train(s, resume, listener);
        }
        // later stages read the last checkpoint's weights: final/ holds the same files (linked or copied) for users,
        // but stage.json records the checkpoint, as markers written before final/ existed do, so their resume and
        // every later stage's inputs stay as they were
        List<Path> cps = RunDirectory.checkpoints(runDir);
        Path last = cps.get(cps.size() - 1);
        boolean adapter = Files.isDirectory(last.resolve("adapter"));
        return new StageOutputs.Trained(name, runDir, last, adapter ? null : last.resolve("model"),
                adapter ? last.resolve("adapter") : null, adapter ? s.model().path() : null);
    }

    StageOutputs.Encoded encoder() throws IOException {
        PipelineConfig.Encoder e = c.encoder();
        if (e.pairs() == null) {
            throw new IllegalArgumentException("encoder.pairs is required (JSONL of source/target pairs)");
        }
        Path stageDir = out.resolve("encoder");
        if (Files.isDirectory(stageDir)) {
            RunDirectory.moveAside(stageDir);
        }
        List<EmbedderTrainer.Pair> pairs = new ArrayList<>(EmbedderTrainer.readPairs(dir.resolve(e.pairs())));
        Collections.shuffle(pairs, new Random(seed));
        List<EmbedderTrainer.Pair> held;
        List<EmbedderTrainer.Pair> train;
        if (e.evalPairs() != null) {
            // fixed held-out files: every pair of 'pairs' trains, and none of the held-out pairs may be among them
            held = new ArrayList<>();
            for (String f : e.evalPairs()) {
                held.addAll(EmbedderTrainer.readPairs(dir.resolve(f)));
            }
            Set<EmbedderTrainer.Pair> seen = new HashSet<>(pairs);
            for (EmbedderTrainer.Pair p : held) {
                if (seen.contains(p)) {
                    throw new IllegalArgumentException("encoder.eval_pairs " + e.evalPairs() + " holds a pair that is "
                            + "also in encoder.pairs " + e.pairs() + " (source '" + p.anchor() + "'); held-out pairs "
                            + "must never be trained on: remove it from one of the files");
                }
            }
            train = pairs;
        } else {
            double frac = e.evalFraction() == null ? 0.1 : e.evalFraction();
            int nEval = Math.max(1, (int) Math.round(pairs.size() * frac));
            held = new ArrayList<>(pairs.subList(0, nEval));
            train = new ArrayList<>(pairs.subList(nEval, pairs.size()));
        }
        Path base;
        if (e.base() != null) {
            base = dir.resolve(e.base());
        } else {
            PipelineConfig.EncoderInit i = e.init();
            // the vocabulary comes from the training pairs only: held-out words stay unknown, as they would be
            List<String> corpus = new ArrayList<>();
            for (EmbedderTrainer.Pair p : train) {
                corpus.add(p.anchor());
                corpus.add(p.positive());
            }
            base = WordEncoders.create(stageDir.resolve("init"), corpus, new WordEncoders.Shape(i.hidden(),
                    i.layers(), i.heads(), i.intermediate(), i.maxPositions(), i.minCount(), seed));
        }
        EmbedderTrainer.Config cfg = new EmbedderTrainer.Config(e.epochs(), e.batchSize(), e.lr(), e.warmupRatio(),
                e.weightDecay(), e.scale(), e.symmetric(), e.dropout().floatValue(), e.maxGradNorm().floatValue(), seed);
        Path encoderDir = stageDir.resolve("encoder");
        try (PooledSentenceEncoder enc = SentenceEncoders.open(base, SentenceEncoders.Options.defaults())) {
            if (!(enc instanceof NativeSentenceEncoder ne)) {
                throw new IllegalArgumentException("encoder.base " + base + " must be a native (safetensors) "
                        + "encoder to train");
            }
            Trainer.Listener l = hooks.training("encoder");
            EmbedderTrainer.Report r = EmbedderTrainer.train(ne, train, held, cfg, "",
                    (step, total, loss, lr) -> {
                        if (l != null) {
                            ObjectNode m = Jsonl.JSON.createObjectNode();
                            m.put("loss", loss);
                            l.onStep(step, total, m);
                        }
                    });
            EmbedderTrainer.save(ne, encoderDir);
            hooks.log().printf(Locale.ROOT, "   held-out top-1 pair retrieval %.3f -> %.3f (%d pairs; chance "
                    + "%.3f)%n", r.top1Before(), r.top1After(), r.evalPairs(), 1.0 / r.evalPairs());
            return StageOutputs.Encoded.of(encoderDir, r);
        }
    }

    StageOutputs.Merged merge() throws IOException {
        StageOutputs.Trained cold = outputs("cold_start", StageOutputs.Trained.class);
        if (cold.adapter() == null) {
            return new StageOutputs.Merged(cold.model(), null, null);
        }
        Path base = baseModel();
        Path target = out.resolve("merge").resolve("model");
        if (Files.isDirectory(out.resolve("merge"))) {
            RunDirectory.moveAside(out.resolve("merge"));
        }
        try (CausalLM lm = CausalLM.load(base, device(), DataType.FLOAT32)) {
            Lora.load(lm, cold.adapter());
            lm.mergeAdapters();
            lm.save(target, DType.F32, base, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        return new StageOutputs.Merged(target, base, cold.adapter());
    }

    /**
     * The cold-start (merged) model's greedy outputs on training prompts, with their references; the marker also
     * records what {@code tau: auto} makes of them (the raw percentile, the floor and the tau GRPO will use).
     */
    StageOutputs.Calibrated calibrate() throws IOException {
        Path model = outputs("merge", StageOutputs.Merged.class).model();
        ConfigLoader.Loaded l = stageConfig("grpo", model);
        Settings s = l.settings();
        PipelineConfig.Calibration cal = c.calibration();
        int maxNew = cal.maxNewTokens() != null ? cal.maxNewTokens() : s.grpo().maxCompletionLength();
        Path file = out.resolve("calibrate").resolve("calibration.jsonl");
        List<ObjectNode> rows = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.load(model); CausalLM lm = CausalLM.load(model, device(),
                DataType.FLOAT32)) {
            List<PromptDataset.Example> ex = calibrationExamples(s.data(), tok, seed, cal.size());
            int n = ex.size();
            List<int[]> prompts = ex.stream().map(PromptDataset.Example::promptIds).toList();
            Progress p = hooks.evaluation("calibrate");
            p.start("calibrate", n);
            List<List<Completion>> outs = new Generator(lm, tok).maxBatchRows(cal.batchSize())
                    .generate(prompts, SamplingParams.greedy(maxNew), i -> p.update(i));
            for (int i = 0; i < n; i++) {
                ObjectNode r = Jsonl.JSON.createObjectNode();
                r.put("prompt", ex.get(i).promptText());
                r.put("completion", outs.get(i).get(0).text());
                r.put("reference", ex.get(i).reference());
                rows.add(r);
            }
        }
        Jsonl.write(file, rows);
        Map<String, StageOutputs.Tau> taus = new LinkedHashMap<>();
        try (RewardStack st = RewardStack.build(l.rewards().withCalibration(file), dir)) {
            st.calibrations().forEach((name, t) -> {
                taus.put(name, new StageOutputs.Tau(t.percentile(), t.percentileValue(), t.floor(), t.tau(),
                        t.records(), t.used()));
                hooks.log().println("   " + name + ": " + t.describe());
            });
        }
        return new StageOutputs.Calibrated(file, rows.size(), taus);
    }

    /**
     * The calibration prompts: the first {@code size} training records in the GRPO stage's data order, rendered by
     * the GRPO stage's data settings (so with its {@code data.chat_template_kwargs}), as GRPO will see them.
     */
    static List<PromptDataset.Example> calibrationExamples(Settings.Data data, TextTokenizer tok, long seed, int size)
            throws IOException {
        PromptDataset d = PromptDataset.load(data, tok, seed);
        List<PromptDataset.Example> ex = new ArrayList<>();
        for (int i = 0; i < Math.min(size, d.size()); i++) {
            ex.add(d.at(i));
        }
        return ex;
    }

    StageOutputs.Evaluated evaluate(Stage.Evaluate stage) throws IOException {
        Path base = baseModel();
        Path model = base;
        Path adapter = null;
        if (!stage.model().equals("base")) {
            StageOutputs.Trained t = outputs(stage.model(), StageOutputs.Trained.class);
            // GRPO's adapter applies to the merged cold-start model, the others' to the base
            Path start = stage.model().equals("grpo") ? outputs("merge", StageOutputs.Merged.class).model() : base;
            model = t.model() != null ? t.model() : start;
            adapter = t.adapter();
        }
        PipelineConfig.Eval e = c.eval();
        List<TaskConfig.Loaded> tasks = evalTasks();
        Path encoder = e.encoder() != null ? dir.resolve(e.encoder()) : encoderDir();
        // KL against the base: an adapter on the base model gets it with the adapter switched off, any other model
        // (full fine-tune, GRPO's merged cold-start model) loads the base as its reference
        Path ref = stage.model().equals("base") || model.equals(base) ? null : base;
        DataType dtype = "float16".equals(e.dtype()) ? DataType.FLOAT16 : DataType.FLOAT32;
        Path evalDir = out.resolve(stage.name());
        EvalRun run = EvalRun.builder().setModel(model).setTasks(tasks).setOut(evalDir).optAdapter(adapter)
                .optReferenceModel(ref).optEncoder(encoder).optEncoderBackend(SentenceEncoders.Backend.NATIVE)
                .optDevice(device()).optDtype(dtype).build();
        List<Evaluator.Result> results = run.run(hooks.evaluation(stage.name()), r -> hooks.log().println("   "
                + r.summary().task() + ": " + r.summary().metrics().stream().map(m -> String.format(
                        Locale.ROOT, "%s=%.4f", m.name(), m.value())).toList()));
        return new StageOutputs.Evaluated(evalDir, results.size());
    }

    StageOutputs.Reported report() throws IOException {
        Map<String, Path> compare = new LinkedHashMap<>();
        for (Stage s : stages) {
            if (s instanceof Stage.Evaluate e && !e.model().equals("base")) {
                compare.put(e.model(), outputs(e.name(), StageOutputs.Evaluated.class).eval());
            }
        }
        PipelineConfig.Report r = c.report();
        ReportOptions o = new ReportOptions(r.seed() == null ? seed : r.seed(), r.resamples(), r.confidence());
        Path baseEval = outputs("eval_base", StageOutputs.Evaluated.class).eval();
        ReportResult result = Report.build(baseEval, compare, List.of(), o);
        Path dest = out.resolve("report");
        Report.write(result, dest);
        // the paper's claim is about what GRPO adds to the cold start it starts from, so the same comparison with
        // the cold-start model as the base: GRPO's own target gain and its own tax
        Map<String, Path> afterColdStart = new LinkedHashMap<>();
        afterColdStart.put("grpo", compare.get("grpo"));
        Path vsColdStart = dest.resolve(VS_COLD_START);
        Report.write(Report.build(compare.get("cold_start"), afterColdStart, List.of(), o), vsColdStart);
        return new StageOutputs.Reported(dest.resolve("report.html"), dest.resolve("report.md"),
                vsColdStart.resolve("report.html"));
    }

    // ---- helpers

    private Device device() {
        return c.device() == null ? Device.cpu() : Torch.device(c.device(), "device");
    }
}
