package dev.semgrpo.pipeline;

import dev.semgrpo.eval.report.ReportOptions;
import dev.semgrpo.model.io.ConfigPath;
import dev.semgrpo.model.io.YamlConfig;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.trainer.config.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A pipeline file (e.g. {@code configs/paper/qwen3-4b-tibetan.yaml}). Paths are relative to the file. Training
 * stages point at ordinary training configs and may override their keys with {@code set}; the pipeline itself sets
 * each stage's run name, output folder, seed and model path.
 *
 * @param name the pipeline's name
 * @param outputDir where every stage writes (one folder per stage)
 * @param seed seed of every stage
 * @param baseModel the base model (HF directory); with a {@code pretrain} stage, the model it creates
 * @param device overrides every training stage's model.device and the evaluation device when set
 * @param chatTemplateKwargs overrides every training stage's {@code data.chat_template_kwargs} (so calibration's
 *     too) and every evaluation task's {@code prompt.chat_template_kwargs} when set
 * @param pretrain optional: full training of the base model itself (the offline demo's "general skills")
 * @param encoder optional: the reward/similarity encoder, adapted contrastively on parallel pairs
 * @param coldStart cold-start SFT (LoRA or full) on the base
 * @param calibration tau calibration: the cold-start model's outputs on training prompts
 * @param grpo GRPO on the merged cold-start model
 * @param strongSft optional: the strong-SFT baseline on the base
 * @param eval evaluation of base, cold-start, strong SFT and GRPO
 * @param report report options
 */
public record PipelineConfig(String name, @ConfigPath String outputDir, Long seed, @ConfigPath String baseModel,
        String device, Map<String, Object> chatTemplateKwargs, Training pretrain, Encoder encoder, Training coldStart,
        Calibration calibration, Training grpo, Training strongSft, Eval eval, Report report) {
    /** The seed when the file sets none. */
    public static final long DEFAULT_SEED = 42;

    public PipelineConfig {
        chatTemplateKwargs = chatTemplateKwargs == null ? null
                : PromptRenderer.checkKwargs(chatTemplateKwargs, "chat_template_kwargs");
        seed = seed == null ? DEFAULT_SEED : seed;
        calibration = calibration == null ? new Calibration(null, null, null) : calibration;
        report = report == null ? new Report(null, null, null) : report;
    }

    /** The training stage named {@code stage} (pretrain, cold_start, grpo or strong_sft), or null when absent. */
    public Training training(String stage) {
        return switch (stage) {
            case "pretrain" -> pretrain;
            case "cold_start" -> coldStart;
            case "grpo" -> grpo;
            case "strong_sft" -> strongSft;
            default -> throw new IllegalArgumentException("no training stage '" + stage + "'");
        };
    }

    /** A training stage: its config file and overrides ({@code key.path=value}). */
    public record Training(@ConfigPath String config, List<String> set) {
        public Training {
            set = set == null ? List.of() : List.copyOf(set);
            if (config == null || config.isBlank()) {
                throw new IllegalArgumentException("a training stage needs 'config' (a training YAML)");
            }
        }
    }

    /**
     * @param base sentence-transformers directory to adapt, or null to build one from scratch ({@code init})
     * @param init shape of an encoder built from the pairs' vocabulary when there is no base
     * @param pairs JSONL of {@code source}/{@code target} (or anchor/positive) pairs
     * @param evalFraction share of pairs held out to measure retrieval (when there are no {@code evalPairs})
     * @param evalPairs JSONL files of pairs that measure retrieval instead, fixed and never trained on
     * @param epochs passes over the pairs (default 1)
     * @param batchSize pairs per step (in-batch negatives; default 32)
     * @param lr peak learning rate (default 2e-5)
     * @param warmupRatio share of steps warming up (default 0.1)
     * @param weightDecay AdamW weight decay (default 0.01)
     * @param scale cosine similarities are multiplied by it before the softmax (default 20, as sentence-transformers)
     * @param symmetric also rank anchors for each positive and average the two losses (default true)
     * @param dropout hidden dropout while training (default 0.1)
     * @param maxGradNorm gradient clipping, 0 for none (default 1.0)
     */
    public record Encoder(@ConfigPath String base, EncoderInit init, @ConfigPath String pairs, Double evalFraction,
            @ConfigPath List<String> evalPairs, Integer epochs, Integer batchSize, Double lr, Double warmupRatio,
            Double weightDecay, Double scale, Boolean symmetric, Double dropout, Double maxGradNorm) {
        public Encoder {
            init = init == null ? new EncoderInit(null, null, null, null, null, null) : init;
            epochs = epochs == null ? 1 : epochs;
            batchSize = batchSize == null ? 32 : batchSize;
            lr = lr == null ? 2e-5 : lr;
            warmupRatio = warmupRatio == null ? 0.1 : warmupRatio;
            weightDecay = weightDecay == null ? 0.01 : weightDecay;
            scale = scale == null ? 20.0 : scale;
            symmetric = symmetric == null || symmetric;
            dropout = dropout == null ? 0.1 : dropout;
            maxGradNorm = maxGradNorm == null ? 1.0 : maxGradNorm;
            if (evalPairs != null && evalFraction != null) {
                throw new IllegalArgumentException("encoder: give eval_pairs (fixed held-out files) or eval_fraction "
                        + "(a share of 'pairs'), not both; found eval_fraction " + evalFraction + " and eval_pairs "
                        + evalPairs);
            }
            if (evalPairs != null && evalPairs.isEmpty()) {
                throw new IllegalArgumentException("encoder.eval_pairs is empty; list at least one JSONL file or "
                        + "leave it out (then eval_fraction of 'pairs' is held out)");
            }
        }
    }

    /**
     * Shape of an encoder built from scratch (see {@code WordEncoders}).
     *
     * @param hidden hidden size (default 64)
     * @param layers transformer layers (default 2)
     * @param heads attention heads (default 4)
     * @param intermediate feed-forward size (default 128)
     * @param maxPositions longest input in tokens (default 256)
     * @param minCount words seen fewer times are unknown (default 1)
     */
    public record EncoderInit(Integer hidden, Integer layers, Integer heads, Integer intermediate,
            Integer maxPositions, Integer minCount) {
        public EncoderInit {
            hidden = hidden == null ? 64 : hidden;
            layers = layers == null ? 2 : layers;
            heads = heads == null ? 4 : heads;
            intermediate = intermediate == null ? 128 : intermediate;
            maxPositions = maxPositions == null ? 256 : maxPositions;
            minCount = minCount == null ? 1 : minCount;
        }
    }

    /**
     * @param size training prompts whose cold-start outputs calibrate tau (default 64)
     * @param maxNewTokens tokens generated per prompt (default: grpo's max_completion_length)
     * @param batchSize prompts generated together (default 32)
     */
    public record Calibration(Integer size, Integer maxNewTokens, Integer batchSize) {
        public Calibration {
            size = size == null ? 64 : size;
            batchSize = batchSize == null ? 32 : batchSize;
            if (batchSize != null && batchSize < 1) {
                throw new IllegalArgumentException("calibration.batch_size must be >= 1, found " + batchSize);
            }
        }
    }

    /**
     * @param tasks task names (files in tasks_dir) or paths
     * @param tasksDir where names are looked up (default configs/tasks, next to the pipeline file)
     * @param limit at most N examples per task
     * @param encoder similarity encoder (default: the encoder stage's)
     * @param dtype float32 or float16
     * @param promptTokens the longest prompt, in tokens, the memory plan assumes per task name ({@code default}: the
     *     others; 512 when unset); an assumption to check against the data, not a limit
     */
    public record Eval(List<String> tasks, @ConfigPath String tasksDir, Integer limit, @ConfigPath String encoder,
            String dtype, java.util.Map<String, Integer> promptTokens) {
        public Eval {
            tasksDir = tasksDir == null ? "configs/tasks" : tasksDir;
            if (tasks == null || tasks.isEmpty()) {
                throw new IllegalArgumentException("eval.tasks must name at least one task");
            }
            tasks = List.copyOf(tasks);
            promptTokens = promptTokens == null ? java.util.Map.of() : java.util.Map.copyOf(promptTokens);
            for (java.util.Map.Entry<String, Integer> e : promptTokens.entrySet()) {
                if (e.getValue() == null || e.getValue() < 1) {
                    throw new IllegalArgumentException("eval.prompt_tokens." + e.getKey() + " must be >= 1, found "
                            + e.getValue());
                }
                if (!e.getKey().equals("default") && !tasks.contains(e.getKey())) {
                    throw new IllegalArgumentException("eval.prompt_tokens names '" + e.getKey() + "', which is not"
                            + " in eval.tasks " + tasks + " (or 'default')");
                }
            }
        }

        /** The prompt length the memory plan assumes for {@code task}. */
        public int promptTokensOf(String task) {
            return promptTokens.getOrDefault(task, promptTokens.getOrDefault("default", 512));
        }
    }

    /**
     * @param resamples bootstrap resamples (default 1000)
     * @param confidence interval level (default 0.95)
     * @param seed bootstrap seed (default: the pipeline's)
     */
    public record Report(Integer resamples, Double confidence, Long seed) {
        public Report {
            resamples = resamples == null ? ReportOptions.DEFAULT_RESAMPLES : resamples;
            confidence = confidence == null ? ReportOptions.DEFAULT_CONFIDENCE : confidence;
        }
    }

    /** A pipeline file, for {@link YamlConfig}. */
    public static final YamlConfig.Kind KIND = new YamlConfig.Kind("pipeline config",
            "a pipeline: a mapping with name, cold_start, grpo, eval, ...");

    /**
     * Reads and checks a pipeline file ({@link YamlConfig}; paths made absolute against its folder); errors name the
     * file, the line and the key.
     */
    public static PipelineConfig load(Path file) throws IOException {
        PipelineConfig c = YamlConfig.load(file, PipelineConfig.class, KIND);
        if (c.name() == null || c.name().isBlank()) {
            throw new IOException(file + ": 'name' is required");
        }
        if (c.outputDir() == null) {
            try {
                Settings.fileName(c.name(), "name");
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage() + " (or set output_dir)", e);
            }
        }
        if (c.baseModel() == null && c.pretrain() == null) {
            throw new IOException(file + ": set base_model (a HF model directory) or a pretrain stage");
        }
        if (c.coldStart() == null || c.grpo() == null || c.eval() == null) {
            throw new IOException(file + ": cold_start, grpo and eval are required (strong_sft, encoder and pretrain "
                    + "are optional)");
        }
        return c;
    }
}
