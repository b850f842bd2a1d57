package dev.semgrpo.trainer.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.ConfigPath;
import dev.semgrpo.rewards.config.RewardConfig;
import java.util.List;
import java.util.Map;

/**
 * A training run, from YAML (snake_case keys, unknown keys rejected). Sections: {@code run}, {@code model},
 * {@code data}, {@code optim}, and {@code grpo} + {@code rewards} or {@code sft}. Every field, its default and its
 * effect are listed in docs/training.md. Keys that transformers, TRL or PEFT spell differently are accepted under
 * their names too ({@link JsonAlias}, at the same place in the nesting); giving both spellings is an error. Paths
 * ({@link ConfigPath}) are relative to the file.
 *
 * @param rewards a reward config file or an inline reward config ({@link RewardConfig})
 */
public record TrainConfig(Run run, Model model, Data data, Optim optim, Grpo grpo, Rollout rollout,
        @ConfigPath(inline = RewardConfig.class) JsonNode rewards, Sft sft) {
    /** This config with {@code rewards} replaced (the rewards a run actually used, written to its directory). */
    public TrainConfig withRewards(JsonNode r) {
        return new TrainConfig(run, model, data, optim, grpo, rollout, r, sft);
    }

    /**
     * @param name run directory name under {@code outputDir}
     * @param outputDir where run directories go (default runs)
     * @param seed drives data order, sampling, dropout and LoRA init
     * @param maxSteps optimizer-visible steps to run (GRPO: generation batches; SFT: optimizer steps); null: epochs
     * @param epochs passes over the data when maxSteps is null (default 1; transformers: num_train_epochs)
     * @param saveEvery checkpoint every N steps (0: only at the end; transformers: save_steps)
     * @param keepLast checkpoints kept (default 2; transformers: save_total_limit)
     * @param logEvery a metrics line every N steps (default 1; transformers: logging_steps)
     * @param sampleEvery write completions to samples.jsonl every N steps (GRPO; default 1)
     * @param maxNonfiniteSteps stop after this many consecutive non-finite steps (default 3)
     */
    public record Run(String name, @ConfigPath String outputDir, Long seed, Integer maxSteps,
            @JsonAlias("num_train_epochs") Integer epochs, @JsonAlias("save_steps") Integer saveEvery,
            @JsonAlias("save_total_limit") Integer keepLast, @JsonAlias("logging_steps") Integer logEvery,
            Integer sampleEvery, Integer maxNonfiniteSteps) {
    }

    /**
     * @param path HF model directory to train
     * @param device cpu, gpu or gpu:N
     * @param dtype float32 (training is in FP32 on CPU)
     * @param lora adapter settings; absent means full fine-tuning
     * @param init create {@code path} as a random model if it does not exist (tiny debug runs)
     */
    public record Model(@ConfigPath String path, String device, String dtype, Lora lora, Init init) {
    }

    /**
     * LoRA: r, alpha, dropout, target_modules (default all attention and MLP projections), use_rslora; PEFT's
     * {@code lora_alpha} and {@code lora_dropout} are accepted for alpha and dropout.
     */
    public record Lora(Integer r, @JsonAlias("lora_alpha") Double alpha, @JsonAlias("lora_dropout") Double dropout,
            List<String> targetModules, Boolean useRslora) {
    }

    /** A random init for a model directory that does not exist yet. */
    public record Init(String arch, Integer hidden, Integer layers, Integer heads, Integer kvHeads,
            Integer intermediate, @ConfigPath String tokenizer, Long seed) {
    }

    /**
     * @param path JSONL with prompt (or messages) and reference fields
     * @param promptField default "prompt"
     * @param referenceField default "reference"
     * @param chat render prompts with the chat template (default true)
     * @param maxPromptLength prompts longer than this many tokens are rejected with their line (default 512)
     * @param limit use only the first N records (cold-start SFT uses 5000)
     * @param shuffle shuffle each epoch (default true)
     * @param chatTemplateKwargs extra chat-template variables (default {@code {enable_thinking: false}})
     */
    public record Data(@ConfigPath String path, String promptField, String referenceField, Boolean chat,
            Integer maxPromptLength,
            Integer limit, Boolean shuffle, Map<String, Object> chatTemplateKwargs) {
    }

    /**
     * @param lr peak learning rate (transformers: learning_rate)
     * @param betas AdamW betas (default [0.9, 0.999])
     * @param weightDecay default 0.0
     * @param eps default 1e-8
     * @param schedule constant, constant_with_warmup, linear or cosine (default constant; transformers:
     *     lr_scheduler_type)
     * @param warmupRatio share of steps warming up, rounded up (default 0)
     * @param warmupSteps warmup steps (instead of warmupRatio); read as a number so that a fraction (transformers 5
     *     reads {@code warmup_steps < 1} as a ratio) is rejected by name rather than truncated to an int
     * @param maxGradNorm global norm clipping (default 1.0; 0 turns it off)
     * @param microBatch rows per forward/backward (gradient accumulation up to the batch); transformers:
     *     per_device_train_batch_size (GRPO rows are completions, as TRL counts them)
     * @param gradientAccumulationSteps transformers' way to give the batch: micro_batch x this is the batch of one
     *     optimizer step (SFT: sft.batch_size; GRPO: grpo.prompts_per_step x grpo.num_generations completions); give
     *     it or the batch key, not both
     */
    public record Optim(@JsonAlias("learning_rate") Double lr, List<Double> betas, Double weightDecay, Double eps,
            @JsonAlias("lr_scheduler_type") String schedule, Double warmupRatio, Double warmupSteps,
            Double maxGradNorm, @JsonAlias("per_device_train_batch_size") Integer microBatch,
            Integer gradientAccumulationSteps) {
    }

    /** GRPO settings; see docs/training.md. */
    public record Grpo(Integer numGenerations, Integer promptsPerStep, Integer numIterations, String scaleRewards,
            Double advantageEps, String lossType, Double epsilon, Double epsilonHigh, Double beta, String klEstimator,
            Boolean maskTruncatedCompletions, Double temperature, Double topP, Integer topK,
            Integer maxCompletionLength, Boolean dynamicSampling, Integer maxResample, Integer generationBatchSize) {
    }

    /**
     * Where GRPO samples its rollouts (see docs/scale-out.md): this JVM (default) or an OpenAI-compatible server
     * (vLLM, {@code semgrpo serve}) to which each step's LoRA adapter is handed.
     *
     * @param backend local (default) or openai
     * @param baseUrl the server, e.g. http://127.0.0.1:8000/v1 (openai)
     * @param apiKeyEnv the environment variable holding the server's API key (read at start, never written)
     * @param model the served base model's name, as GET /v1/models lists it (openai)
     * @param adapterDir where each step's adapter is saved for the server to load; the server must read it at the
     *     same absolute path (default: rollout-adapters in the run directory)
     * @param timeoutS seconds per request (default 600)
     * @param maxConcurrency requests in flight, one per prompt (default 8)
     * @param maxRetries retries of a request the server could not take, backing off from 0.5 s to 30 s (default 6)
     * @param isCorrection weight each token's policy loss by the truncated importance ratio of trainer to server
     *     log-probs (default true; TRL: vllm_importance_sampling_correction)
     * @param isCap largest importance weight (default 3.0; TRL: vllm_importance_sampling_cap)
     */
    public record Rollout(String backend, String baseUrl, String apiKeyEnv, String model, @ConfigPath String adapterDir,
            Double timeoutS, Integer maxConcurrency, Integer maxRetries, Boolean isCorrection, Double isCap) {
    }

    /**
     * @param batchSize sequences per optimizer step (default 32)
     * @param maxLength prompt + completion tokens (longer rows are cut from the completion's end and counted)
     * @param packing pack a micro-batch's rows into sequences of max_length, isolated by a block-diagonal mask
     *     (default false)
     */
    public record Sft(Integer batchSize, Integer maxLength, Boolean packing) {
    }
}
