package dev.semgrpo.trainer.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.ConfigErrors;
import dev.semgrpo.model.io.Utf8Files;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
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
public record PipelineConfig(String name, String outputDir, Long seed, String baseModel, String device,
        Map<String, Object> chatTemplateKwargs, Stage pretrain, Encoder encoder, Stage coldStart,
        Calibration calibration, Stage grpo, Stage strongSft, Eval eval, Report report) {
    public PipelineConfig {
        chatTemplateKwargs = chatTemplateKwargs == null ? null
                : PromptRenderer.checkKwargs(chatTemplateKwargs, "chat_template_kwargs");
    }

    /** A training stage: its config file and overrides ({@code key.path=value}). */
    public record Stage(String config, List<String> set) {
        public Stage {
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
     * @param epochs passes over the pairs
     * @param batchSize pairs per step (in-batch negatives)
     * @param lr learning rate
     */
    public record Encoder(String base, EncoderInit init, String pairs, Double evalFraction, List<String> evalPairs,
            Integer epochs, Integer batchSize, Double lr) {
        public Encoder {
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

    /** Shape of an encoder built from scratch (see {@code WordEncoders}). */
    public record EncoderInit(Integer hidden, Integer layers, Integer heads, Integer intermediate,
            Integer maxPositions, Integer minCount) {
    }

    /**
     * @param size training prompts whose cold-start outputs calibrate tau (default 64)
     * @param maxNewTokens tokens generated per prompt (default: grpo's max_completion_length)
     * @param batchSize prompts generated together (default 32)
     */
    public record Calibration(Integer size, Integer maxNewTokens, Integer batchSize) {
        public Calibration {
            if (batchSize != null && batchSize < 1) {
                throw new IllegalArgumentException("calibration.batch_size must be >= 1, found " + batchSize);
            }
        }
    }

    /**
     * @param tasks task names (files in tasks_dir) or paths
     * @param tasksDir where names are looked up
     * @param limit at most N examples per task
     * @param encoder similarity encoder (default: the encoder stage's)
     * @param dtype float32 or float16
     * @param promptTokens the longest prompt, in tokens, the memory plan assumes per task name ({@code default}: the
     *     others; 512 when unset); an assumption to check against the data, not a limit
     */
    public record Eval(List<String> tasks, String tasksDir, Integer limit, String encoder, String dtype,
            java.util.Map<String, Integer> promptTokens) {
        public Eval {
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

    /** Bootstrap resamples, confidence level and seed of the report. */
    public record Report(Integer resamples, Double confidence, Long seed) {
    }

    /** Reads and checks a pipeline file; errors name the file and the key. */
    public static PipelineConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such pipeline config");
        }
        JsonNode tree = ConfigLoader.readTree(file, "a pipeline: a mapping with name, cold_start, grpo, eval, ...");
        PipelineConfig c;
        try {
            c = ConfigLoader.YAML.treeToValue(tree, PipelineConfig.class);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": " + ConfigErrors.describe(e, "a documented value", Utf8Files.read(file),
                    ""), e);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
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
