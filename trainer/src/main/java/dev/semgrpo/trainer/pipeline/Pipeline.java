package dev.semgrpo.trainer.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
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
import dev.semgrpo.model.io.AtomicFiles;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.DirectoryLock;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Runs a {@link PipelineConfig} as named stages, each writing {@code <output_dir>/<stage>/} and, when it has
 * finished, {@code <output_dir>/<stage>/stage.json}. A stage with that file is complete and skipped; a training stage
 * interrupted after a checkpoint resumes from it; one interrupted before any checkpoint is moved aside
 * ({@code <stage>.interrupted-<time>}) and starts again. So a crashed pipeline, run again, redoes nothing finished.
 *
 * <p>Stages, in order (those not configured are left out): {@code pretrain}, {@code encoder}, {@code cold_start},
 * {@code merge} (the cold-start adapter folded into the base), {@code calibrate} (the cold-start model's outputs on
 * training prompts, for {@code tau: auto}), {@code grpo}, {@code strong_sft}, {@code eval_base},
 * {@code eval_cold_start}, {@code eval_strong_sft}, {@code eval_grpo}, {@code report}.
 */
public final class Pipeline {
    public static final String MARKER = "stage.json";

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
    private final Path dir;
    private final Path out;
    private final long seed;
    private final Hooks hooks;
    private MemoryBudget budget;
    private boolean checkMemory = true;

    public Pipeline(Path configFile, PipelineConfig config, Hooks hooks) {
        this.c = config;
        this.dir = configFile.toAbsolutePath().getParent();
        this.out = dir.resolve(config.outputDir() == null ? "runs/" + config.name() : config.outputDir()).normalize();
        this.seed = config.seed() == null ? 42 : config.seed();
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
    public List<String> stages() {
        List<String> s = new ArrayList<>();
        if (c.pretrain() != null) {
            s.add("pretrain");
        }
        if (c.encoder() != null) {
            s.add("encoder");
        }
        s.addAll(List.of("cold_start", "merge", "calibrate", "grpo"));
        if (c.strongSft() != null) {
            s.add("strong_sft");
        }
        s.addAll(List.of("eval_base", "eval_cold_start"));
        if (c.strongSft() != null) {
            s.add("eval_strong_sft");
        }
        s.addAll(List.of("eval_grpo", "report"));
        return s;
    }

    /**
     * True when the stage's folder holds its completion marker: a JSON object with the {@code finished} time, written
     * last and atomically (a marker a kill or a user left half-written does not count, and the stage runs again).
     */
    public boolean complete(String stage) {
        Path marker = out.resolve(stage).resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        try {
            JsonNode n = Jsonl.JSON.readTree(marker.toFile());
            return n != null && n.isObject() && n.hasNonNull("finished");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Runs every incomplete stage, or only {@code only} (its earlier stages must be complete).
     *
     * @return the report folder, or the stage's folder when only one stage ran
     */
    public Path run(String only) throws IOException {
        List<String> stages = stages();
        if (only != null && !stages.contains(only)) {
            throw new IllegalArgumentException("no stage '" + only + "' in this pipeline; its stages are " + stages);
        }
        Preflight pre = PipelinePreflight.of(this, only, true);
        pre.check(budget != null ? budget : MemoryBudget.of(pre.gpuDevice(), null),
                checkMemory);
        Files.createDirectories(out);
        // one pipeline process per output folder: a second would run the same stages into the same folders
        try (DirectoryLock lock = DirectoryLock.acquire(out, "pipeline output")) {
            runStages(stages, only);
        }
        return only == null ? out.resolve("report") : out.resolve(only);
    }

    private void runStages(List<String> stages, String only) throws IOException {
        for (String stage : stages) {
            if (only != null && !stage.equals(only)) {
                if (stages.indexOf(stage) < stages.indexOf(only) && !complete(stage)) {
                    throw new IllegalArgumentException("stage '" + only + "' needs '" + stage + "' first, and "
                            + out.resolve(stage) + " is not complete; run the pipeline without --stage, or --stage "
                            + stage);
                }
                continue;
            }
            if (complete(stage)) {
                hooks.log().println("== " + stage + ": complete, skipped (" + out.resolve(stage) + ")");
                continue;
            }
            hooks.log().println("== " + stage);
            long t0 = System.nanoTime();
            ObjectNode info = runStage(stage);
            info.put("seconds", (System.nanoTime() - t0) / 1e9);
            info.put("finished", Instant.now().toString());
            Files.createDirectories(out.resolve(stage));
            AtomicFiles.write(out.resolve(stage).resolve(MARKER),
                    tmp -> Jsonl.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), info));
        }
    }

    /**
     * Checks the whole pipeline without running it: every training stage's config binds with the pipeline's
     * overrides, and every evaluation task loads. Errors name the stage and the file.
     */
    public void validate() throws IOException {
        Map<String, PipelineConfig.Stage> training = new LinkedHashMap<>();
        training.put("pretrain", c.pretrain());
        training.put("cold_start", c.coldStart());
        training.put("grpo", c.grpo());
        training.put("strong_sft", c.strongSft());
        for (Map.Entry<String, PipelineConfig.Stage> e : training.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            Path model = e.getKey().equals("pretrain") ? null : out.resolve("<model>");
            ObjectNode tree = tree(e.getKey(), e.getValue(), model);
            settings(e.getKey(), e.getValue(), model, tree, e.getKey().equals("grpo"));
        }
        evalTasks();
    }

    /**
     * A training stage's settings as the pipeline runs it (its config, its {@code set} overrides, then the
     * pipeline's run name, output folder, seed, model, device and chat_template_kwargs).
     */
    Settings stageSettings(String stage, PipelineConfig.Stage st, Path model, boolean grpo) throws IOException {
        return settings(stage, st, model, tree(stage, st, model), grpo);
    }

    /** The evaluation tasks, loaded, with eval.limit and the pipeline's chat_template_kwargs applied. */
    List<TaskConfig.Loaded> evalTasks() throws IOException {
        PipelineConfig.Eval e = c.eval();
        Path tasksDir = dir.resolve(e.tasksDir() == null ? "configs/tasks" : e.tasksDir());
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

    private ObjectNode runStage(String stage) throws IOException {
        return switch (stage) {
            case "pretrain" -> train(stage, c.pretrain(), null, false, null, null);
            case "encoder" -> encoder();
            case "cold_start" -> train(stage, c.coldStart(), baseModel(), false, null, null);
            case "merge" -> merge();
            case "calibrate" -> calibrate();
            case "grpo" -> train(stage, c.grpo(), outputOf("merge", "model"), true, encoderDir(),
                    out.resolve("calibrate").resolve("calibration.jsonl"));
            case "strong_sft" -> train(stage, c.strongSft(), baseModel(), false, null, null);
            case "eval_base" -> evaluate(stage, baseModel(), null, null);
            case "eval_cold_start" -> evaluate(stage, modelOf("cold_start", baseModel()), adapterOf("cold_start"),
                    baseModel());
            case "eval_strong_sft" -> evaluate(stage, modelOf("strong_sft", baseModel()), adapterOf("strong_sft"),
                    baseModel());
            case "eval_grpo" -> evaluate(stage, modelOf("grpo", outputOf("merge", "model")), adapterOf("grpo"),
                    baseModel());
            case "report" -> report();
            default -> throw new IllegalStateException(stage);
        };
    }

    // ---- model paths between stages

    private Path baseModel() throws IOException {
        if (c.pretrain() != null) {
            return outputOf("pretrain", "model");
        }
        return dir.resolve(c.baseModel()).normalize();
    }

    private Path encoderDir() throws IOException {
        if (c.encoder() != null) {
            return outputOf("encoder", "encoder");
        }
        return null;
    }

    /** The marker of a complete stage; an error when the stage has not finished. */
    private JsonNode marker(String stage) throws IOException {
        Path marker = out.resolve(stage).resolve(MARKER);
        if (!complete(stage)) {
            throw new IllegalStateException("stage '" + stage + "' is not complete (" + marker + " is missing)");
        }
        return Jsonl.JSON.readTree(marker.toFile());
    }

    /** A path a complete stage recorded in its marker. */
    private Path outputOf(String stage, String key) throws IOException {
        JsonNode n = marker(stage);
        if (!n.hasNonNull(key)) {
            throw new IOException(out.resolve(stage).resolve(MARKER) + " has no '" + key + "'; run --redo " + stage);
        }
        return Path.of(n.get(key).asText());
    }

    /** A trained stage's full model, or {@code base} when it trained an adapter on it. */
    private Path modelOf(String stage, Path base) throws IOException {
        JsonNode n = marker(stage);
        return n.hasNonNull("model") ? Path.of(n.get("model").asText()) : base;
    }

    /** A trained stage's adapter, or null when it trained the full model. */
    private Path adapterOf(String stage) throws IOException {
        JsonNode n = marker(stage);
        return n.hasNonNull("adapter") ? Path.of(n.get("adapter").asText()) : null;
    }

    // ---- stages

    ObjectNode tree(String stage, PipelineConfig.Stage st, Path model) throws IOException {
        Path file = dir.resolve(st.config());
        ObjectNode tree = ConfigLoader.tree(file, st.set());
        ConfigLoader.absolutize(tree, file.toAbsolutePath().getParent());
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
        return tree;
    }

    Settings settings(String stage, PipelineConfig.Stage st, Path model, ObjectNode tree, boolean grpo) {
        Path file = dir.resolve(st.config());
        try {
            return ConfigLoader.settings(tree, new ConfigLoader.Source(file, st.set()),
                    file.toAbsolutePath().getParent(), grpo);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pipeline stage " + stage + ": " + e.getMessage(), e);
        }
    }

    private ObjectNode train(String stage, PipelineConfig.Stage st, Path model, boolean grpo, Path encoder,
            Path calibration) throws IOException {
        ObjectNode tree = tree(stage, st, model);
        Settings s = settings(stage, st, model, tree, grpo);
        Path runDir = out.resolve(stage);
        Path resume = null;
        if (Files.isDirectory(runDir)) {
            if (!RunDirectory.checkpoints(runDir).isEmpty()) {
                resume = runDir;
                hooks.log().println("   resuming " + runDir + " from " + RunDirectory.checkpoints(runDir)
                        .get(RunDirectory.checkpoints(runDir).size() - 1).getFileName());
            } else {
                Path aside = RunDirectory.moveAside(runDir);
                hooks.log().println("   " + runDir + " had no checkpoint; moved aside to " + aside);
            }
        }
        Path configDir = dir.resolve(st.config()).toAbsolutePath().getParent();
        Trainer.Listener l = hooks.training(stage);
        if (grpo) {
            GrpoTrainer.train(s, tree, configDir, resume, l, encoder, calibration);
        } else {
            SftTrainer.train(s, tree, resume, l);
        }
        List<Path> cps = RunDirectory.checkpoints(runDir);
        Path last = cps.get(cps.size() - 1);
        ObjectNode info = Jsonl.JSON.createObjectNode();
        info.put("stage", stage);
        info.put("run", runDir.toString());
        info.put("checkpoint", last.toString());
        if (Files.isDirectory(last.resolve("adapter"))) {
            info.put("adapter", last.resolve("adapter").toString());
            info.put("base", s.model().path().toString());
        } else {
            info.put("model", last.resolve("model").toString());
        }
        return info;
    }

    private ObjectNode encoder() throws IOException {
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
            PipelineConfig.EncoderInit i = e.init() == null
                    ? new PipelineConfig.EncoderInit(null, null, null, null, null, null) : e.init();
            // the vocabulary comes from the training pairs only: held-out words stay unknown, as they would be
            List<String> corpus = new ArrayList<>();
            for (EmbedderTrainer.Pair p : train) {
                corpus.add(p.anchor());
                corpus.add(p.positive());
            }
            base = WordEncoders.create(stageDir.resolve("init"), corpus, new WordEncoders.Shape(or(i.hidden(), 64),
                    or(i.layers(), 2), or(i.heads(), 4), or(i.intermediate(), 128), or(i.maxPositions(), 256),
                    or(i.minCount(), 1), seed));
        }
        EmbedderTrainer.Config cfg = new EmbedderTrainer.Config(or(e.epochs(), 1), or(e.batchSize(), 32),
                e.lr() == null ? 2e-5 : e.lr(), 0.1, 0.01, 20, true, 0.1f, 1.0f, seed);
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
            hooks.log().printf(java.util.Locale.ROOT, "   held-out top-1 pair retrieval %.3f -> %.3f (%d pairs; chance "
                    + "%.3f)%n", r.top1Before(), r.top1After(), r.evalPairs(), 1.0 / r.evalPairs());
            ObjectNode info = Jsonl.JSON.createObjectNode();
            info.put("encoder", encoderDir.toString());
            info.put("top1_before", r.top1Before());
            info.put("top1_after", r.top1After());
            info.put("train_pairs", r.trainPairs());
            info.put("eval_pairs", r.evalPairs());
            info.put("chance", 1.0 / r.evalPairs());
            return info;
        }
    }

    private ObjectNode merge() throws IOException {
        ObjectNode info = Jsonl.JSON.createObjectNode();
        Path adapter = adapterOf("cold_start");
        if (adapter == null) {
            info.put("model", modelOf("cold_start", baseModel()).toString());
            return info;
        }
        Path base = baseModel();
        Path target = out.resolve("merge").resolve("model");
        if (Files.isDirectory(out.resolve("merge"))) {
            RunDirectory.moveAside(out.resolve("merge"));
        }
        try (CausalLM lm = CausalLM.load(base, device(), DataType.FLOAT32)) {
            Lora.load(lm, adapter);
            lm.mergeAdapters();
            lm.save(target, DType.F32, base, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        info.put("model", target.toString());
        info.put("base", base.toString());
        info.put("adapter", (String) null);
        info.put("merged_adapter", adapter.toString());
        return info;
    }

    /**
     * The cold-start (merged) model's greedy outputs on training prompts, with their references; the marker also
     * records what {@code tau: auto} makes of them (the raw percentile, the floor and the tau GRPO will use).
     */
    private ObjectNode calibrate() throws IOException {
        Path model = outputOf("merge", "model");
        ObjectNode tree = tree("grpo", c.grpo(), model);
        Settings s = settings("grpo", c.grpo(), model, tree, true);
        PipelineConfig.Calibration cal = c.calibration() == null ? new PipelineConfig.Calibration(null, null, null)
                : c.calibration();
        int size = or(cal.size(), 64);
        int maxNew = or(cal.maxNewTokens(), s.grpo().maxCompletionLength());
        Path file = out.resolve("calibrate").resolve("calibration.jsonl");
        List<ObjectNode> rows = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.load(model); CausalLM lm = CausalLM.load(model, device(),
                DataType.FLOAT32)) {
            List<PromptDataset.Example> ex = calibrationExamples(s.data(), tok, seed, size);
            int n = ex.size();
            List<int[]> prompts = ex.stream().map(PromptDataset.Example::promptIds).toList();
            Progress p = hooks.evaluation("calibrate");
            p.start("calibrate", n);
            List<List<Completion>> outs = new Generator(lm, tok).maxBatchRows(or(cal.batchSize(), 32))
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
        ObjectNode info = Jsonl.JSON.createObjectNode();
        info.put("calibration", file.toString());
        info.put("records", rows.size());
        if (tree.hasNonNull("rewards")) {
            Path configDir = dir.resolve(c.grpo().config()).toAbsolutePath().getParent();
            try (RewardStack st = GrpoTrainer.rewards(tree.get("rewards"), configDir, encoderDir(), file)) {
                ObjectNode taus = info.putObject("tau");
                st.calibrations().forEach((name, t) -> {
                    taus.putObject(name).put("percentile", t.percentile()).put("percentile_value", t.percentileValue())
                            .put("tau_floor", t.floor()).put("tau", t.tau()).put("records", t.records())
                            .put("used", t.used());
                    hooks.log().println("   " + name + ": " + t.describe());
                });
            }
        }
        return info;
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

    private ObjectNode evaluate(String stage, Path model, Path adapter, Path reference) throws IOException {
        PipelineConfig.Eval e = c.eval();
        List<TaskConfig.Loaded> tasks = evalTasks();
        Path encoder = e.encoder() != null ? dir.resolve(e.encoder()) : encoderDir();
        // KL against the base: an adapter on the base model gets it with the adapter switched off, any other model
        // (full fine-tune, GRPO's merged cold-start model) loads the base as its reference
        Path ref = model.equals(reference) ? null : reference;
        DataType dtype = "float16".equals(e.dtype()) ? DataType.FLOAT16 : DataType.FLOAT32;
        EvalRun run = new EvalRun(model, adapter, ref, true, tasks, out.resolve(stage), encoder,
                SentenceEncoders.Backend.NATIVE, device(), dtype, false);
        List<Evaluator.Result> results = run.run(hooks.evaluation(stage), r -> hooks.log().println("   "
                + r.summary().task() + ": " + r.summary().metrics().stream().map(m -> String.format(
                        java.util.Locale.ROOT, "%s=%.4f", m.name(), m.value())).toList()));
        ObjectNode info = Jsonl.JSON.createObjectNode();
        info.put("eval", out.resolve(stage).toString());
        info.put("tasks", results.size());
        return info;
    }

    /** The report folder's subfolder comparing GRPO with the cold start (the cold start as the base). */
    public static final String VS_COLD_START = "vs-cold-start";

    private ObjectNode report() throws IOException {
        Map<String, Path> compare = new LinkedHashMap<>();
        compare.put("cold_start", out.resolve("eval_cold_start"));
        if (c.strongSft() != null) {
            compare.put("strong_sft", out.resolve("eval_strong_sft"));
        }
        compare.put("grpo", out.resolve("eval_grpo"));
        PipelineConfig.Report r = c.report() == null ? new PipelineConfig.Report(null, null, null) : c.report();
        ReportOptions o = new ReportOptions(r.seed() == null ? seed : r.seed(), or(r.resamples(), 1000),
                r.confidence() == null ? 0.95 : r.confidence());
        ReportResult result = Report.build(out.resolve("eval_base"), compare, List.of(), o);
        Path dest = out.resolve("report");
        Report.write(result, dest);
        // the paper's claim is about what GRPO adds to the cold start it starts from, so the same comparison with
        // the cold-start model as the base: GRPO's own target gain and its own tax
        Map<String, Path> afterColdStart = new LinkedHashMap<>();
        afterColdStart.put("grpo", out.resolve("eval_grpo"));
        Path vsColdStart = dest.resolve(VS_COLD_START);
        Report.write(Report.build(out.resolve("eval_cold_start"), afterColdStart, List.of(), o), vsColdStart);
        ObjectNode info = Jsonl.JSON.createObjectNode();
        info.put("report", dest.resolve("report.html").toString());
        info.put("markdown", dest.resolve("report.md").toString());
        info.put("report_vs_cold_start", vsColdStart.resolve("report.html").toString());
        return info;
    }

    // ---- helpers

    private Device device() {
        return c.device() == null ? Device.cpu() : Torch.device(c.device(), "device");
    }

    private static int or(Integer v, int d) {
        return v == null ? d : v;
    }
}
