package dev.semgrpo.pipeline;

import dev.semgrpo.eval.task.EvalRun;
import dev.semgrpo.eval.task.TaskConfig;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.io.ModelDirectory;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.plan.MemoryPlanner;
import dev.semgrpo.trainer.plan.MemoryTerms;
import dev.semgrpo.trainer.plan.Preflight;
import dev.semgrpo.trainer.plan.StagePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipeline's pre-flight: walks every stage that will run, collects each input it needs that no earlier stage
 * produces and that is missing (the base model, the encoder and its pairs, training and evaluation data, few-shot
 * files, reward files, similarity encoders), and builds each stage's memory plan from the base model's
 * {@code config.json} (every stage's model has the base's shapes). Nothing is loaded beyond config files.
 */
final class PipelinePreflight {
    private final Pipeline p;
    private final PipelineConfig c;
    private final List<String> missing = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<StagePlan> plans = new ArrayList<>();

    private PipelinePreflight(Pipeline p) {
        this.p = p;
        this.c = p.config();
    }

    /**
     * The pre-flight of the stages not complete, or of stage {@code only}.
     *
     * @param run as {@code run(only)} sees it: an {@code only} stage whose predecessors are incomplete gets an empty
     *     pre-flight (run names the missing stage), and a complete {@code only} stage is not planned
     */
    static Preflight of(Pipeline p, String only, boolean run) throws IOException {
        PipelinePreflight f = new PipelinePreflight(p);
        if (only != null && !p.stages().contains(only)) {
            throw new IllegalArgumentException("no stage '" + only + "' in this pipeline; its stages are "
                    + p.stages());
        }
        if (only != null && run) {
            List<String> all = p.stages();
            for (String s : all.subList(0, Math.max(0, all.indexOf(only)))) {
                if (!p.complete(s)) {
                    return new Preflight(List.of(), List.of(), List.of()); // run() names the missing stage
                }
            }
        }
        List<String> stages = new ArrayList<>();
        for (String s : p.stages()) {
            if (only == null ? !p.complete(s) : s.equals(only) && !(run && p.complete(s))) {
                stages.add(s);
            }
        }
        f.walk(stages);
        return new Preflight(f.missing, f.plans, f.notes);
    }

    private void need(String stage, String key, Path path, boolean dir) {
        boolean ok = dir ? Files.isRegularFile(path.resolve("config.json")) || Files.isRegularFile(path.resolve(
                "modules.json")) : Files.isRegularFile(path);
        String line = "stage " + stage + ": " + key + " " + path + (dir ? ": no model directory (config.json missing)"
                + ModelDirectory.hubIdLike(path).map(id -> "; " + ModelDirectory.downloadHint(id)).orElse("")
                : ": no such file");
        if (!ok && !missing.contains(line)) {
            missing.add(line);
        }
    }

    private void walk(List<String> stages) throws IOException {
        Path dir = p.configDir();
        // the shapes every decoder stage shares
        ModelConfig shapes = null;
        if (c.pretrain() != null) {
            Settings s = p.stageConfig("pretrain", null).settings();
            if (stages.contains("pretrain")) {
                need("pretrain", "data.path", s.data().path(), false);
            }
            if (p.complete("pretrain")) {
                Path model = p.outputs("pretrain", StageOutputs.Trained.class).model();
                if (model != null && Files.isRegularFile(model.resolve("config.json"))) {
                    shapes = ModelConfig.load(model.resolve("config.json"));
                }
            }
            if (shapes == null && s.model().init() != null) {
                shapes = dev.semgrpo.trainer.Policy.initConfig(s.model().init());
            }
        } else {
            Path base = dir.resolve(c.baseModel()).normalize();
            boolean used = stages.stream().anyMatch(x -> !x.equals("encoder") && !x.equals("report"));
            if (used) {
                need(first(stages, "cold_start", "merge", "strong_sft", "eval_base", "eval_cold_start",
                        "eval_strong_sft", "eval_grpo"), "base_model", base, true);
            }
            if (Files.isRegularFile(base.resolve("config.json"))) {
                shapes = ModelConfig.load(base.resolve("config.json"));
            }
        }
        // the encoder: its base and pairs, and the shapes rewards and similarity use
        MemoryPlanner.EncoderShape encoder = null;
        if (c.encoder() != null) {
            PipelineConfig.Encoder e = c.encoder();
            if (stages.contains("encoder")) {
                if (e.pairs() != null) {
                    need("encoder", "encoder.pairs", dir.resolve(e.pairs()).normalize(), false);
                }
                if (e.evalPairs() != null) {
                    for (String f : e.evalPairs()) {
                        need("encoder", "encoder.eval_pairs", dir.resolve(f).normalize(), false);
                    }
                }
                if (e.base() != null) {
                    need("encoder", "encoder.base", dir.resolve(e.base()).normalize(), true);
                }
            }
            Path encDir = p.complete("encoder") ? p.outputs("encoder", StageOutputs.Encoded.class).encoder()
                    : e.base() != null ? dir.resolve(e.base()).normalize() : null;
            encoder = readEncoder(encDir);
            if (encoder != null && stages.contains("encoder")) {
                plans.add(MemoryPlanner.encoderTraining("encoder", encoder, e.batchSize(), "cpu"));
            } else if (stages.contains("encoder")) {
                notes.add("encoder: " + (e.base() == null ? "an encoder built from the pairs' vocabulary (small)"
                        : "needs " + dir.resolve(e.base()).normalize() + " for the encoder's shapes"));
            }
        }
        String device = c.device() == null ? "cpu" : c.device();
        Map<String, Settings> training = new LinkedHashMap<>();
        for (Stage stage : p.stageList()) {
            if (!(stage instanceof Stage.Train) || stage.name().equals("pretrain")) {
                continue; // pretrain is planned above, from the shapes it creates
            }
            String st = stage.name();
            PipelineConfig.Training cfg = c.training(st);
            ConfigLoader.Loaded loaded = p.stageConfig(st, p.out().resolve("<model>"));
            Settings s = loaded.settings();
            training.put(st, s);
            boolean runs = stages.contains(st) || (st.equals("grpo") && stages.contains("calibrate"));
            if (runs) {
                need(stages.contains(st) ? st : "calibrate", "data.path (" + cfg.config() + ")", s.data().path(),
                        false);
            }
            if (!stages.contains(st)) {
                continue;
            }
            if (shapes == null) {
                notes.add(st + ": needs the base model's config.json for its shapes");
                continue;
            }
            if (st.equals("grpo")) {
                Preflight.Rewards r = Preflight.rewards(loaded.rewards(), c.encoder() != null, encoder, true, missing,
                        "stage grpo: ");
                plans.add(MemoryPlanner.grpo(st, s, shapes, r.shape(), r.encoder() == null ? null
                        : r.encoder().device(), r.encoder() == null || r.encoder().batchSize() == null ? 64
                                : r.encoder().batchSize()));
            } else {
                plans.add(MemoryPlanner.sft(st, s, shapes));
            }
        }
        Settings cold = training.get("cold_start");
        Settings grpo = training.get("grpo");
        if (shapes != null && stages.contains("merge") && cold.model().lora() != null) {
            plans.add(MemoryPlanner.merge("merge", shapes, cold.model().lora(), device));
        }
        if (shapes != null && stages.contains("calibrate")) {
            PipelineConfig.Calibration cal = c.calibration();
            int batch = Math.min(cal.size(), cal.batchSize());
            plans.add(MemoryPlanner.calibrate("calibrate", shapes, batch, grpo.data().maxPromptLength(),
                    cal.maxNewTokens() == null ? grpo.grpo().maxCompletionLength() : cal.maxNewTokens(), device));
        }
        evaluations(stages, shapes, encoder, training, device);
    }

    private void evaluations(List<String> stages, ModelConfig shapes, MemoryPlanner.EncoderShape encoder,
            Map<String, Settings> training, String device) throws IOException {
        List<String> evals = stages.stream().filter(s -> s.startsWith("eval_")).toList();
        if (evals.isEmpty()) {
            return;
        }
        PipelineConfig.Eval e = c.eval();
        Path dir = p.configDir();
        Path tasksDir = dir.resolve(e.tasksDir());
        boolean pipelineEncoder = e.encoder() != null || c.encoder() != null;
        if (e.encoder() != null) {
            Path enc = dir.resolve(e.encoder()).normalize();
            need(evals.get(0), "eval.encoder", enc, true);
            encoder = readEncoder(enc);
        }
        List<MemoryPlanner.EvalTask> tasks = new ArrayList<>();
        for (String name : e.tasks()) {
            TaskConfig.Loaded t = TaskConfig.load(EvalRun.resolveTask(name, tasksDir));
            TaskConfig tc = t.config();
            String where = "task " + t.name() + " (" + t.file() + ")";
            need(evals.get(0), where + " data.path", tc.data().path(), false);
            if (tc.prompt() != null && tc.prompt().fewShotFrom() != null) {
                need(evals.get(0), where + " prompt.few_shot_from", tc.prompt().fewShotFrom(), false);
            }
            boolean similarity = tc.metrics() != null && tc.metrics().contains("similarity");
            if (similarity && !pipelineEncoder && tc.similarity() != null && tc.similarity().encoder() != null) {
                need(evals.get(0), where + " similarity.encoder", tc.similarity().encoder(), true);
            }
            int prompt = e.promptTokensOf(t.name());
            tasks.add(switch (tc.type()) {
                case PERPLEXITY -> new MemoryPlanner.EvalTask(t.name(), t.file(), "perplexity", 1, prompt,
                        tc.perplexity() != null && tc.perplexity().maxLength() != null ? tc.perplexity().maxLength()
                                : shapes == null ? 1024 : Math.min(1024, shapes.maxPositionEmbeddings()), 0);
                case MULTIPLE_CHOICE -> new MemoryPlanner.EvalTask(t.name(), t.file(), "multiple_choice",
                        tc.multipleChoice() != null && tc.multipleChoice().batchSize() != null
                                ? tc.multipleChoice().batchSize() : 16, prompt, 0, 0);
                default -> {
                    TaskConfig.Generation g = tc.generation();
                    boolean qa = tc.type() == TaskConfig.Type.EXTRACTIVE_QA;
                    yield new MemoryPlanner.EvalTask(t.name(), t.file(), "generate",
                            g != null && g.batchSize() != null ? g.batchSize() : 16, prompt,
                            g != null && g.maxNewTokens() != null ? g.maxNewTokens() : qa ? 32 : 256,
                            !similarity ? 0 : tc.similarity() != null && tc.similarity().batchSize() != null
                                    ? tc.similarity().batchSize() : 64);
                }
            });
        }
        if (shapes == null) {
            notes.add(String.join(", ", evals) + ": need the base model's config.json for their shapes");
            return;
        }
        int dtype = "float16".equals(e.dtype()) ? MemoryTerms.FP16 : MemoryTerms.FP32;
        for (String st : evals) {
            LoraConfig adapter = null;
            boolean separate = false;
            switch (st) {
                case "eval_cold_start", "eval_strong_sft" -> {
                    Settings s = training.get(st.substring("eval_".length()));
                    adapter = s.model().lora();
                    separate = adapter == null; // a full fine-tune loads the base beside it as the KL reference
                }
                case "eval_grpo" -> {
                    adapter = training.get("grpo").model().lora();
                    separate = true; // the merged cold-start model is not the base
                }
                default -> {
                }
            }
            plans.add(MemoryPlanner.eval(st, shapes, dtype, adapter, separate, tasks, encoder, device));
        }
    }

    private MemoryPlanner.EncoderShape readEncoder(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return null;
        }
        try {
            return MemoryPlanner.EncoderShape.read(dir);
        } catch (IOException | IllegalArgumentException e) {
            notes.add("encoder " + dir + ": shapes not read (" + e.getMessage() + ")");
            return null;
        }
    }

    private static String first(List<String> stages, String... names) {
        for (String n : names) {
            if (stages.contains(n)) {
                return n;
            }
        }
        return stages.get(0);
    }
}
