package dev.semgrpo.trainer.config;

import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.model.optim.Schedules;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.trainer.grpo.Advantages;
import dev.semgrpo.trainer.grpo.GrpoLoss;
import dev.semgrpo.trainer.grpo.KlEstimator;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link TrainConfig} with every default applied and every field checked (ranges and cross-field rules, with the
 * values found). Relative paths resolve against the config file's folder.
 *
 * @param config the config these settings came from, as a run records it ({@code config.resolved.yaml})
 */
public record Settings(Run run, Model model, Data data, Optim optim, Grpo grpo, Rollout rollout, Sft sft,
        TrainConfig config) {
    /** Learning-rate schedules, named and shaped as transformers' {@code lr_scheduler_type} (see {@link Schedules}). */
    public enum Schedule {
        /** The peak learning rate throughout; takes no warmup. */
        CONSTANT,
        /** Linear warmup from 0, then the peak learning rate. */
        CONSTANT_WITH_WARMUP,
        /** Linear warmup from 0, then linear decay to 0 at the last step. */
        LINEAR,
        /** Linear warmup from 0, then half a cosine down to 0 at the last step. */
        COSINE
    }

    public record Run(String name, Path outputDir, long seed, Integer maxSteps, int epochs, int saveEvery, int keepLast,
            int logEvery, int sampleEvery, int maxNonfiniteSteps) {
    }

    public record Model(Path path, String device, LoraConfig lora, TrainConfig.Init init) {
    }

    /** @param chatTemplateKwargs checked extra chat-template variables ({@link PromptRenderer#DEFAULT_KWARGS}) */
    public record Data(Path path, String promptField, String referenceField, boolean chat, int maxPromptLength,
            Integer limit, boolean shuffle, Map<String, Object> chatTemplateKwargs) {
    }

    /**
     * @param warmupRatio share of the total steps that warm up ({@code ceil(total * ratio)}); 0 when
     *     {@code warmupSteps} is set
     * @param warmupSteps warmup steps, or null to use {@code warmupRatio}
     */
    public record Optim(double lr, float beta1, float beta2, float weightDecay, float eps, Schedule schedule,
            double warmupRatio, Integer warmupSteps, float maxGradNorm, int microBatch) {
        /** Warmup steps out of {@code total}, as transformers' {@code TrainingArguments.get_warmup_steps}. */
        public long warmup(long total) {
            return warmupSteps != null ? warmupSteps
                    : Schedules.warmupSteps(total, warmupRatio);
        }
    }

    public record Grpo(int numGenerations, int promptsPerStep, int numIterations, Advantages.Scale scaleRewards,
            double advantageEps, GrpoLoss lossType, double epsilon, double epsilonHigh, double beta, KlEstimator kl,
            boolean maskTruncated, double temperature, double topP, int topK, int maxCompletionLength,
            boolean dynamicSampling, int maxResample, int generationBatchSize) {
        /** Completions per step. */
        public int batch() {
            return numGenerations * promptsPerStep;
        }
    }

    public record Sft(int batchSize, int maxLength, boolean packing) {
    }

    /** Where rollouts are sampled ({@link TrainConfig.Rollout}). */
    public enum Backend {
        LOCAL,
        OPENAI
    }

    /**
     * Checked rollout settings; {@code baseUrl} and {@code model} are set exactly when the backend is openai.
     *
     * @param adapterDir where step adapters go, or null for the run directory's rollout-adapters
     */
    public record Rollout(Backend backend, java.net.URI baseUrl, String apiKeyEnv, String model, Path adapterDir,
            java.time.Duration timeout, int maxConcurrency, int maxRetries, boolean isCorrection, double isCap) {
        /** Rollouts on this JVM. */
        public static final Rollout LOCAL = new Rollout(Backend.LOCAL, null, null, null, null,
                java.time.Duration.ofSeconds(600), 8, 6, true, 3.0);

        public boolean remote() {
            return backend == Backend.OPENAI;
        }
    }

    /** Resolves and checks {@code c}; {@code grpoRun} selects which of grpo / sft must be present. */
    public static Settings of(TrainConfig c, Path baseDir, boolean grpoRun) {
        req(c.run(), "run");
        req(c.model(), "model");
        req(c.data(), "data");
        req(c.optim(), "optim");
        TrainConfig.Run r = c.run();
        String name = fileName(reqStr(r.name(), "run.name"), "run.name");
        Run run = new Run(name, baseDir.resolve(or(r.outputDir(), "runs")), or(r.seed(), 0L),
                r.maxSteps(), or(r.epochs(), 1), or(r.saveEvery(), 0), or(r.keepLast(), 2), or(r.logEvery(), 1),
                or(r.sampleEvery(), 1), or(r.maxNonfiniteSteps(), 3));
        if (run.maxSteps() != null && run.maxSteps() < 1) {
            throw bad("run.max_steps", ">= 1", run.maxSteps());
        }
        positive("run.epochs", run.epochs());
        positive("run.keep_last", run.keepLast());
        positive("run.log_every", run.logEvery());
        positive("run.sample_every", run.sampleEvery());
        positive("run.max_nonfinite_steps", run.maxNonfiniteSteps());
        if (run.saveEvery() < 0) {
            throw bad("run.save_every", ">= 0", run.saveEvery());
        }
        TrainConfig.Model mm = c.model();
        String dtype = or(mm.dtype(), "float32");
        if (!dtype.equals("float32")) {
            throw new IllegalArgumentException("model.dtype must be float32, found " + dtype + ": training in float16"
                    + " would need dynamic loss scaling and FP32 master weights, which semgrpo does not implement, and"
                    + " DJL's PyTorch engine cannot hold bfloat16. Remove model.dtype or set it to float32; on Ampere or"
                    + " newer GPUs, run with scripts/semgrpo --tf32 for TF32 matmuls. (float16 is for generation and"
                    + " evaluation: --dtype float16.)");
        }
        LoraConfig lora = null;
        if (mm.lora() != null) {
            TrainConfig.Lora l = mm.lora();
            lora = new LoraConfig(or(l.r(), 64), or(l.alpha(), 128.0), or(l.dropout(), 0.05),
                    l.targetModules() != null ? l.targetModules() : LoraConfig.paper().targetModules(),
                    or(l.useRslora(), false));
        }
        TrainConfig.Init init = mm.init();
        if (init != null && init.tokenizer() != null) {
            init = new TrainConfig.Init(init.arch(), init.hidden(), init.layers(), init.heads(), init.kvHeads(),
                    init.intermediate(), baseDir.resolve(init.tokenizer()).toString(), init.seed());
        }
        Model model = new Model(baseDir.resolve(reqStr(mm.path(), "model.path")), or(mm.device(), "cpu"), lora, init);
        TrainConfig.Data d = c.data();
        Data data = new Data(baseDir.resolve(reqStr(d.path(), "data.path")), or(d.promptField(), "prompt"),
                or(d.referenceField(), "reference"), or(d.chat(), true), or(d.maxPromptLength(), 512), d.limit(),
                or(d.shuffle(), true), d.chatTemplateKwargs() == null ? PromptRenderer.DEFAULT_KWARGS
                        : PromptRenderer.checkKwargs(d.chatTemplateKwargs(), "data.chat_template_kwargs"));
        positive("data.max_prompt_length", data.maxPromptLength());
        if (data.limit() != null && data.limit() < 1) {
            throw bad("data.limit", ">= 1", data.limit());
        }
        TrainConfig.Optim o = c.optim();
        List<Double> betas = or(o.betas(), List.of(0.9, 0.999));
        if (betas.size() != 2) {
            throw bad("optim.betas", "two numbers", betas);
        }
        Optim optim = new Optim(reqNum(o.lr(), "optim.lr"), betas.get(0).floatValue(), betas.get(1).floatValue(),
                or(o.weightDecay(), 0.0).floatValue(), or(o.eps(), 1e-8).floatValue(),
                parse(Schedule.class, or(o.schedule(), "constant"), "optim.schedule"), or(o.warmupRatio(), 0.0),
                warmupSteps(o.warmupSteps()), or(o.maxGradNorm(), 1.0).floatValue(), or(o.microBatch(), 8));
        if (!(optim.lr() > 0)) {
            throw bad("optim.lr", "> 0", optim.lr());
        }
        if (o.warmupRatio() != null && o.warmupSteps() != null) {
            throw new IllegalArgumentException("optim.warmup_ratio (" + o.warmupRatio() + ") and optim.warmup_steps ("
                    + optim.warmupSteps() + ") are both set; keep one");
        }
        if (!(optim.warmupRatio() >= 0 && optim.warmupRatio() < 1)) {
            throw bad("optim.warmup_ratio", "in [0, 1)", optim.warmupRatio());
        }
        boolean warmsUp = optim.warmupRatio() > 0 || (optim.warmupSteps() != null && optim.warmupSteps() > 0);
        if (optim.schedule() == Schedule.CONSTANT && warmsUp) {
            throw new IllegalArgumentException("optim.schedule constant has no warmup (as in transformers), found "
                    + (optim.warmupSteps() != null ? "optim.warmup_steps " + optim.warmupSteps()
                            : "optim.warmup_ratio " + optim.warmupRatio())
                    + "; use schedule constant_with_warmup, or drop the warmup");
        }
        positive("optim.micro_batch", optim.microBatch());
        Integer accumulation = o.gradientAccumulationSteps();
        if (accumulation != null) {
            positive("optim.gradient_accumulation_steps", accumulation);
            if (o.microBatch() == null) {
                throw new IllegalArgumentException("optim.gradient_accumulation_steps (" + accumulation + ") needs "
                        + "optim.micro_batch (TRL: per_device_train_batch_size): the batch is their product");
            }
            if ((long) optim.microBatch() * accumulation > Integer.MAX_VALUE) {
                throw bad("optim.micro_batch x optim.gradient_accumulation_steps", "at most " + Integer.MAX_VALUE,
                        (long) optim.microBatch() * accumulation);
            }
        }
        Grpo grpo = null;
        Sft sft = null;
        Rollout rollout = null;
        if (grpoRun) {
            rollout = rollout(c.rollout(), baseDir, model);
            req(c.grpo(), "grpo");
            if (c.rewards() == null || c.rewards().isNull()) {
                throw new IllegalArgumentException("a GRPO run needs 'rewards': a reward config file or an inline"
                        + " mapping (see configs/rewards/paper.yaml)");
            }
            if (c.sft() != null) {
                throw new IllegalArgumentException("a GRPO config must not have an 'sft' section");
            }
            TrainConfig.Grpo g = c.grpo();
            double eps = or(g.epsilon(), 0.2);
            Integer prompts = g.promptsPerStep();
            if (accumulation != null) {
                // TRL counts batches in completions: micro_batch x accumulation completions per optimizer step
                int completions = optim.microBatch() * accumulation;
                int gens = or(g.numGenerations(), 8);
                if (prompts != null) {
                    throw new IllegalArgumentException("optim.gradient_accumulation_steps (" + accumulation + ") and "
                            + "grpo.prompts_per_step (" + prompts + ") both set the batch; keep one (the batch is "
                            + "micro_batch x gradient_accumulation_steps = prompts_per_step x num_generations)");
                }
                if (gens < 1 || completions % gens != 0) {
                    throw new IllegalArgumentException("optim.micro_batch x optim.gradient_accumulation_steps ("
                            + optim.microBatch() + " x " + accumulation + " = " + completions + " completions) must be"
                            + " divisible by grpo.num_generations (" + gens + "): each prompt's group is whole");
                }
                prompts = completions / gens;
            }
            grpo = new Grpo(or(g.numGenerations(), 8), or(prompts, 4), or(g.numIterations(), 1),
                    Advantages.Scale.parse(or(g.scaleRewards(), "group")), or(g.advantageEps(), 1e-4),
                    GrpoLoss.parse(or(g.lossType(), "grpo")), eps, or(g.epsilonHigh(), eps), or(g.beta(), 0.0),
                    KlEstimator.parse(or(g.klEstimator(), "k3")), or(g.maskTruncatedCompletions(), false),
                    or(g.temperature(), 1.0), or(g.topP(), 1.0), or(g.topK(), 0), or(g.maxCompletionLength(), 256),
                    or(g.dynamicSampling(), false), or(g.maxResample(), 3),
                    or(g.generationBatchSize(), Math.max(1, 64 / Math.max(1, or(g.numGenerations(), 8)))));
            if (grpo.numGenerations() < 2) {
                throw bad("grpo.num_generations", ">= 2 (advantages are relative to the group)",
                        grpo.numGenerations());
            }
            positive("grpo.prompts_per_step", grpo.promptsPerStep());
            positive("grpo.num_iterations", grpo.numIterations());
            positive("grpo.max_completion_length", grpo.maxCompletionLength());
            positive("grpo.generation_batch_size", grpo.generationBatchSize());
            if (!(grpo.epsilon() > 0 && grpo.epsilon() < 1) || !(grpo.epsilonHigh() > 0)) {
                throw new IllegalArgumentException("grpo.epsilon must be in (0, 1) and grpo.epsilon_high > 0, found "
                        + grpo.epsilon() + " and " + grpo.epsilonHigh());
            }
            if (!(grpo.beta() >= 0)) {
                throw bad("grpo.beta", ">= 0", grpo.beta());
            }
            if (!(grpo.temperature() > 0)) {
                throw bad("grpo.temperature", "> 0", grpo.temperature());
            }
            if (grpo.batch() % optim.microBatch() != 0) {
                throw new IllegalArgumentException("grpo.prompts_per_step x grpo.num_generations (" + grpo.batch()
                        + ") must be divisible by optim.micro_batch (" + optim.microBatch() + ")");
            }
        } else {
            if (c.grpo() != null || (c.rewards() != null && !c.rewards().isNull()) || c.rollout() != null) {
                throw new IllegalArgumentException("an SFT config must not have 'grpo', 'rewards' or 'rollout' "
                        + "sections");
            }
            TrainConfig.Sft s = c.sft() != null ? c.sft() : new TrainConfig.Sft(null, null, null);
            Integer batch = s.batchSize();
            if (accumulation != null) {
                if (batch != null) {
                    throw new IllegalArgumentException("optim.gradient_accumulation_steps (" + accumulation + ") and "
                            + "sft.batch_size (" + batch + ") both set the batch; keep one (sft.batch_size = "
                            + "micro_batch x gradient_accumulation_steps)");
                }
                batch = optim.microBatch() * accumulation;
            }
            sft = new Sft(or(batch, 32), or(s.maxLength(), 1024), or(s.packing(), false));
            positive("sft.batch_size", sft.batchSize());
            positive("sft.max_length", sft.maxLength());
            if (sft.batchSize() % optim.microBatch() != 0) {
                throw new IllegalArgumentException("sft.batch_size (" + sft.batchSize() + ") must be divisible by"
                        + " optim.micro_batch (" + optim.microBatch() + ")");
            }
        }
        return new Settings(run, model, data, optim, grpo, rollout, sft, c);
    }

    /**
     * Every effective value as a config (defaults filled in, paths absolute, the batch given by its own key rather
     * than by gradient_accumulation_steps): what a run records in config.resolved.yaml, so that the run directory
     * alone repeats or resumes it. {@code Settings.of(toConfig(), dir, grpo)} equals these settings except for
     * {@link #config()}; the rewards are not part of the settings (see {@link ConfigLoader#resolved}).
     */
    public TrainConfig toConfig() {
        TrainConfig.Run r = new TrainConfig.Run(run.name(), run.outputDir().toString(), run.seed(), run.maxSteps(),
                run.epochs(), run.saveEvery(), run.keepLast(), run.logEvery(), run.sampleEvery(),
                run.maxNonfiniteSteps());
        LoraConfig l = model.lora();
        TrainConfig.Model m = new TrainConfig.Model(model.path().toString(), model.device(), "float32",
                l == null ? null : new TrainConfig.Lora(l.r(), l.alpha(), l.dropout(), List.copyOf(l.targetModules()),
                        l.useRslora()), model.init());
        TrainConfig.Data d = new TrainConfig.Data(data.path().toString(), data.promptField(), data.referenceField(),
                data.chat(), data.maxPromptLength(), data.limit(), data.shuffle(), data.chatTemplateKwargs());
        TrainConfig.Optim o = new TrainConfig.Optim(optim.lr(), List.of(exact(optim.beta1()), exact(optim.beta2())),
                exact(optim.weightDecay()), exact(optim.eps()), optim.schedule().name().toLowerCase(Locale.ROOT),
                optim.warmupSteps() == null ? optim.warmupRatio() : null,
                optim.warmupSteps() == null ? null : optim.warmupSteps().doubleValue(), exact(optim.maxGradNorm()),
                optim.microBatch(), null);
        TrainConfig.Grpo g = grpo == null ? null : new TrainConfig.Grpo(grpo.numGenerations(),
                grpo.promptsPerStep(), grpo.numIterations(), grpo.scaleRewards().name().toLowerCase(Locale.ROOT),
                grpo.advantageEps(), grpo.lossType().configName(), grpo.epsilon(), grpo.epsilonHigh(), grpo.beta(),
                grpo.kl().name().toLowerCase(Locale.ROOT), grpo.maskTruncated(), grpo.temperature(), grpo.topP(),
                grpo.topK(), grpo.maxCompletionLength(), grpo.dynamicSampling(), grpo.maxResample(),
                grpo.generationBatchSize());
        TrainConfig.Rollout ro = rollout == null ? null : new TrainConfig.Rollout(
                rollout.backend().name().toLowerCase(Locale.ROOT),
                rollout.baseUrl() == null ? null : rollout.baseUrl().toString(), rollout.apiKeyEnv(), rollout.model(),
                rollout.adapterDir() == null ? null : rollout.adapterDir().toString(),
                rollout.timeout().toMillis() / 1000.0, rollout.maxConcurrency(), rollout.maxRetries(),
                rollout.isCorrection(), rollout.isCap());
        TrainConfig.Sft f = sft == null ? null : new TrainConfig.Sft(sft.batchSize(), sft.maxLength(), sft.packing());
        return new TrainConfig(r, m, d, o, g, ro, config.rewards(), f);
    }

    /** A float setting as the shortest decimal that reads back as the same float (0.999, not 0.9990000128746033). */
    private static double exact(float v) {
        return Double.parseDouble(Float.toString(v));
    }

    /** The rollout section: absent is local; openai needs base_url and model, and a LoRA policy. */
    private static Rollout rollout(TrainConfig.Rollout r, Path baseDir, Model model) {
        if (r == null) {
            return Rollout.LOCAL;
        }
        Backend backend = parse(Backend.class, or(r.backend(), "local"), "rollout.backend");
        Rollout d = Rollout.LOCAL;
        if (backend == Backend.LOCAL) {
            List<String> set = new java.util.ArrayList<>();
            if (r.baseUrl() != null) {
                set.add("base_url");
            }
            if (r.apiKeyEnv() != null) {
                set.add("api_key_env");
            }
            if (r.model() != null) {
                set.add("model");
            }
            if (r.adapterDir() != null) {
                set.add("adapter_dir");
            }
            if (!set.isEmpty()) {
                throw new IllegalArgumentException("rollout." + String.join(", rollout.", set) + " only apply to "
                        + "rollout.backend openai, found backend local; set backend: openai or remove them");
            }
        }
        java.net.URI url = null;
        if (backend == Backend.OPENAI) {
            String u = reqStr(r.baseUrl(), "rollout.base_url");
            try {
                url = new java.net.URI(u);
            } catch (java.net.URISyntaxException e) {
                throw bad("rollout.base_url", "an http(s) URL such as http://127.0.0.1:8000/v1", u);
            }
            if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                    || url.getHost() == null) {
                throw bad("rollout.base_url", "an http(s) URL such as http://127.0.0.1:8000/v1", u);
            }
            reqStr(r.model(), "rollout.model");
            if (model.lora() == null) {
                throw new IllegalArgumentException("rollout.backend openai needs a LoRA policy (model.lora): each step"
                        + " hands the server the current adapter (a few MB) through /v1/load_lora_adapter; handing it"
                        + " a full model every step (GBs) is not supported. Add model.lora, or use rollout.backend "
                        + "local for full fine-tuning");
            }
        }
        double timeout = or(r.timeoutS(), 600.0);
        if (!(timeout > 0)) {
            throw bad("rollout.timeout_s", "> 0", timeout);
        }
        Rollout out = new Rollout(backend, url, r.apiKeyEnv(), r.model(), r.adapterDir() == null ? null
                : baseDir.resolve(r.adapterDir()), java.time.Duration.ofMillis((long) (timeout * 1000)),
                or(r.maxConcurrency(), d.maxConcurrency()), or(r.maxRetries(), d.maxRetries()),
                or(r.isCorrection(), d.isCorrection()), or(r.isCap(), d.isCap()));
        if (out.maxConcurrency() < 1 || out.maxConcurrency() > 1024) {
            throw bad("rollout.max_concurrency", "in [1, 1024]", out.maxConcurrency());
        }
        if (out.maxRetries() < 0 || out.maxRetries() > 100) {
            throw bad("rollout.max_retries", "in [0, 100]", out.maxRetries());
        }
        if (!(out.isCap() >= 1)) {
            throw bad("rollout.is_cap", ">= 1 (a weight below 1 would shrink every token)", out.isCap());
        }
        return out;
    }

    private static <T> T or(T v, T dflt) {
        return v != null ? v : dflt;
    }

    private static void req(Object section, String name) {
        if (section == null) {
            throw new IllegalArgumentException("missing section '" + name + "'");
        }
    }

    private static String reqStr(String v, String key) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing '" + key + "'");
        }
        return v;
    }

    /**
     * {@code name} when it is one plain file name (a run directory inside {@code output_dir}); an absolute path,
     * a separator, {@code .} or {@code ..} would put the run elsewhere, so each is an error naming {@code key}.
     */
    public static String fileName(String name, String key) {
        boolean bad = name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
                || name.indexOf('\0') >= 0 || name.contains(":") || !name.strip().equals(name);
        if (bad) {
            throw new IllegalArgumentException(key + " must be a plain folder name (no '/', '\\', ':', '..' or"
                    + " surrounding spaces), found '" + name + "'; it names a folder inside the output folder");
        }
        return name;
    }

    private static double reqNum(Double v, String key) {
        if (v == null) {
            throw new IllegalArgumentException("missing '" + key + "'");
        }
        return v;
    }

    private static void positive(String key, int v) {
        if (v < 1) {
            throw bad(key, ">= 1", v);
        }
    }

    private static Integer warmupSteps(Double steps) {
        if (steps == null) {
            return null;
        }
        if (!(steps >= 0) || steps != Math.rint(steps) || steps > Integer.MAX_VALUE) {
            throw bad("optim.warmup_steps", "a whole number of steps >= 0 (for a share of the steps use"
                    + " optim.warmup_ratio)", steps);
        }
        return steps.intValue();
    }

    private static IllegalArgumentException bad(String key, String constraint, Object found) {
        return new IllegalArgumentException(key + " must be " + constraint + ", found " + found);
    }

    static <E extends Enum<E>> E parse(Class<E> type, String v, String key) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.trim())) {
                return e;
            }
        }
        throw bad(key, "one of " + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT), v);
    }

    /** The learning rate of optimizer step {@code step} (0-based) of {@code total}, as transformers schedules it. */
    public double lr(long step, long total) {
        long warmup = optim.warmup(total);
        return switch (optim.schedule()) {
            case CONSTANT -> Schedules.constant(step, optim.lr());
            case CONSTANT_WITH_WARMUP -> Schedules.constantWithWarmup(step, warmup, optim.lr());
            case LINEAR -> Schedules.linear(step, warmup, total, optim.lr());
            case COSINE -> Schedules.cosine(step, warmup, total, optim.lr());
        };
    }
}
