package dev.semgrpo.trainer.plan;

import static dev.semgrpo.trainer.plan.MemoryBudget.format;
import static dev.semgrpo.trainer.plan.MemoryTerms.FP32;

import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.encoder.EncoderConfig;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.rewards.encoder.EncoderSpec;
import dev.semgrpo.rewards.encoder.Pooling;
import dev.semgrpo.trainer.config.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds a {@link StagePlan} per kind of stage from the model's shapes and the stage's settings. Lengths are the
 * bounds the settings enforce (a prompt has at most {@code data.max_prompt_length} tokens, a completion at most
 * {@code grpo.max_completion_length}, an SFT row at most {@code sft.max_length}), so the estimate is a worst case
 * of what the code keeps alive, not a typical one. Evaluation prompts have no enforced bound: their length is an
 * assumption the caller passes ({@code eval.prompt_tokens} in a pipeline).
 */
public final class MemoryPlanner {
    private MemoryPlanner() {
    }

    /**
     * A sentence encoder's shape.
     *
     * @param config its transformer's config.json
     * @param maxSeqLength longest input in tokens
     */
    public record EncoderShape(EncoderConfig config, int maxSeqLength) {
        /** Reads a sentence-transformers (or plain HF encoder) directory's shapes. */
        public static EncoderShape read(Path dir) throws IOException {
            EncoderSpec spec = EncoderSpec.read(dir, Pooling.MEAN, 512);
            EncoderConfig c = EncoderConfig.load(spec.transformerDir().resolve("config.json"));
            return new EncoderShape(c, Math.min(spec.maxSeqLength(), c.maxTokens()));
        }
    }

    /**
     * An evaluation task as the plan sees it.
     *
     * @param name the task's name
     * @param file the task file (named in the advice)
     * @param kind generate (also extractive QA), perplexity or multiple_choice
     * @param batch prompts per generation batch, or pairs per scoring forward
     * @param promptTokens the assumed longest prompt
     * @param newTokens tokens generated per prompt at most (generate), or the window (perplexity)
     * @param similarityBatch texts per forward of the similarity encoder, or 0 when the task has no similarity metric
     */
    public record EvalTask(String name, Path file, String kind, int batch, int promptTokens, int newTokens,
            int similarityBatch) {
    }

    // ---- training

    /** Weights, rotary tables and trainable state: LoRA (weights, gradients, AdamW m and v) or the full model's. */
    static List<Term> trainingResident(ModelConfig c, Settings.Model m, boolean fullReference) {
        List<Term> t = new ArrayList<>();
        long params = MemoryTerms.decoderParams(c);
        t.add(new Term("weights (fp32)", params * FP32, String.format(Locale.ROOT, "%,d params x 4 B", params)));
        t.add(new Term("rotary tables", MemoryTerms.rotaryTables(c, FP32), "2 x " + c.maxPositionEmbeddings() + " x "
                + c.headDim() + " x 4 B"));
        if (m.lora() != null) {
            long lp = MemoryTerms.loraParams(c, m.lora());
            t.add(new Term("LoRA state", lp * 16, String.format(Locale.ROOT, "%,d params (r=%d, %s) x 16 B (weight,"
                    + " gradient, AdamW m, v)", lp, m.lora().r(), String.join("/", m.lora().targetModules()))));
        } else {
            t.add(new Term("gradients + AdamW state", params * 12, String.format(Locale.ROOT, "%,d params x 12 B"
                    + " (full fine-tuning)", params)));
            if (fullReference) {
                t.add(new Term("reference model (fp32)", params * FP32, "a frozen copy for the KL term (grpo.beta > 0)"));
            }
        }
        return t;
    }

    /** The update of one micro-batch: the training forward, the logits' copies and the backward's working set. */
    static Phase update(ModelConfig c, LoraConfig lora, int rows, int seq, int completion, int logitCopies,
            String lower) {
        long fwd = MemoryTerms.forward(c, lora, true, FP32, rows, seq, seq);
        List<Term> t = List.of(
                new Term("activations", fwd, String.format(Locale.ROOT, "%d rows x %d tokens x %d layers x %s/token"
                        + " + scores", rows, seq, c.numLayers(), format(MemoryTerms.layerBytesPerToken(c, lora, true,
                                FP32)))),
                new Term("logits (fp32)", MemoryTerms.logits(c, (long) rows * completion, logitCopies),
                        String.format(Locale.ROOT, "%d rows x %d positions x %,d vocab x 4 B x %d copies", rows,
                                completion, c.vocabSize(), logitCopies)),
                new Term("backward, one layer", MemoryTerms.backwardLayer(c, lora, rows, seq),
                        "gradients of one layer's intermediates"));
        return new Phase(String.format(Locale.ROOT, "update (micro-batch of %d x %d tokens)", rows, seq), t, lower);
    }

    /** {@code semgrpo train sft}, or a pipeline's SFT stage. */
    public static StagePlan sft(String stage, Settings s, ModelConfig c) {
        int micro = s.optim().microBatch();
        int len = s.sft().maxLength();
        String lower = String.format(Locale.ROOT, "optim.micro_batch (now %d; it must divide sft.batch_size %d, the"
                + " effective batch does not change), then sft.max_length (now %d)", micro, s.sft().batchSize(), len);
        // logits, log-softmax; the backward's gradients of both
        Phase p = update(c, s.model().lora(), micro, len, len - 1, 4, lower);
        return new StagePlan(stage, s.model().device(), trainingResident(c, s.model(), false), List.of(p), List.of());
    }

    /** {@code semgrpo train grpo}, or the pipeline's GRPO stage; {@code encoder} is the reward encoder, or null. */
    public static StagePlan grpo(String stage, Settings s, ModelConfig c, EncoderShape encoder, String encoderDevice,
            int encoderBatch) {
        Settings.Grpo g = s.grpo();
        LoraConfig lora = s.model().lora();
        int p = s.data().maxPromptLength();
        int m = g.maxCompletionLength();
        int micro = s.optim().microBatch();
        int prompts = Math.min(g.promptsPerStep(), g.generationBatchSize());
        List<Phase> phases = new ArrayList<>(generation(c, lora, FP32, prompts, g.numGenerations(), p, m,
                String.format(Locale.ROOT, "grpo.generation_batch_size (now %d prompts x %d samples), then"
                        + " data.max_prompt_length (now %d) or grpo.max_completion_length (now %d)", prompts,
                        g.numGenerations(), p, m)));
        String lower = String.format(Locale.ROOT, "optim.micro_batch (now %d; it must divide prompts_per_step x"
                + " num_generations = %d, the effective batch does not change), then data.max_prompt_length (now %d)"
                + " or grpo.max_completion_length (now %d)", micro, g.batch(), p, m);
        if (g.numIterations() > 1 || g.beta() != 0) {
            LoraConfig on = g.numIterations() > 1 ? lora : null; // the reference pass runs with adapters off
            int copies = g.temperature() != 1.0 ? 3 : 2;
            long fwd = MemoryTerms.forward(c, on, false, FP32, micro, p + m, p + m);
            phases.add(new Phase(String.format(Locale.ROOT, "old/reference log-probs (%d x %d tokens, no gradient)",
                    micro, p + m), List.of(new Term("activations", fwd, "inference forward of one micro-batch"),
                            new Term("logits (fp32)", MemoryTerms.logits(c, (long) micro * m, copies), micro + " x "
                                    + m + " positions x " + copies + " copies"),
                            new Term("kept log-probs", 2L * g.batch() * m * FP32, "old and reference, (rows, "
                                    + m + ") each")), lower));
        }
        // logits, log-softmax, entropy's exp and product (first iteration), gradients of log-softmax and logits; /T
        int copies = (g.temperature() != 1.0 ? 1 : 0) + 6;
        phases.add(update(c, lora, micro, p + m, m, copies, lower));
        List<Term> resident = trainingResident(c, s.model(), g.beta() != 0);
        List<Term> host = new ArrayList<>();
        if (encoder != null) {
            List<Term> enc = encoderInference("reward encoder", encoder, encoderBatch);
            if (encoderDevice != null && encoderDevice.startsWith("gpu")) {
                resident.addAll(enc);
            } else {
                host.addAll(enc);
            }
        }
        return new StagePlan(stage, s.model().device(), resident, phases, host);
    }

    /**
     * Generation as {@code Generator} runs it: the prefill of {@code prompts} left-padded prompts with its own cache,
     * then decoding with the cache fanned out to {@code prompts x n} rows; dropping finished rows copies the cache
     * once more while the old one is alive.
     */
    static List<Phase> generation(ModelConfig c, LoraConfig lora, int dtype, int prompts, int n, int promptTokens,
            int newTokens, String lower) {
        int cap = promptTokens + newTokens;
        long rows = (long) prompts * n;
        long prefillCache = MemoryTerms.kvCache(c, prompts, cap, dtype);
        long fanned = MemoryTerms.kvCache(c, rows, cap, dtype);
        String dt = dtype == FP32 ? "fp32" : "fp16";
        Phase prefill = new Phase(String.format(Locale.ROOT, "generation prefill (%d prompts x %d tokens)", prompts,
                promptTokens), List.of(
                        new Term("activations", MemoryTerms.forward(c, lora, false, dtype, prompts, promptTokens,
                                promptTokens), String.format(Locale.ROOT, "%d x %d tokens x %d layers x %s/token +"
                                        + " scores", prompts, promptTokens, c.numLayers(),
                                        format(MemoryTerms.layerBytesPerToken(c, lora, false, dtype)))),
                        new Term("prefill KV cache (" + dt + ")", prefillCache, prompts + " rows x " + cap
                                + " positions")), lower);
        long step = MemoryTerms.forward(c, lora, false, dtype, rows, 1, cap);
        Phase decode = new Phase(String.format(Locale.ROOT, "generation decode (%d rows, up to %d positions)", rows,
                cap), List.of(
                        new Term("KV cache (" + dt + ")", fanned, String.format(Locale.ROOT, "%d rows x %d positions x"
                                + " %d layers x 2 x %d x %d B", rows, cap, c.numLayers(), c.kvDim(), dtype)),
                        new Term("KV cache copy", fanned, "the cache of the rows still running, made while the old one"
                                + " is alive"),
                        new Term("decode step", step + MemoryTerms.logits(c, rows, 6), "one token per row through"
                                + " every layer, logits and sampling copies")), lower);
        return List.of(prefill, decode);
    }

    /** Weights and one batch of a sentence encoder's inference, FP32. */
    static List<Term> encoderInference(String name, EncoderShape e, int batch) {
        long params = MemoryTerms.encoderParams(e.config());
        return List.of(new Term(name + " weights", params * FP32, String.format(Locale.ROOT, "%,d params x 4 B",
                params)), new Term(name + " batch", MemoryTerms.encoderForward(e.config(), batch, e.maxSeqLength(),
                        false), batch + " texts x " + e.maxSeqLength() + " tokens"));
    }

    // ---- pipeline stages

    /** The encoder stage: contrastive training of a sentence encoder on pairs (anchors and positives), on the CPU. */
    public static StagePlan encoderTraining(String stage, EncoderShape e, int batchPairs, String device) {
        long params = MemoryTerms.encoderParams(e.config());
        List<Term> resident = List.of(new Term("weights + gradients + AdamW", params * 16, String.format(Locale.ROOT,
                "%,d params x 16 B", params)));
        Phase p = new Phase(String.format(Locale.ROOT, "training step (%d pairs)", batchPairs), List.of(
                new Term("activations", MemoryTerms.encoderForward(e.config(), 2L * batchPairs, e.maxSeqLength(),
                        true), 2 * batchPairs + " texts x " + e.maxSeqLength() + " tokens")),
                "encoder.batch_size (now " + batchPairs + ")");
        return new StagePlan(stage, device, resident, List.of(p), List.of());
    }

    /** Merging an adapter: the FP32 base, the adapter, and per projection the delta and the merged weight. */
    public static StagePlan merge(String stage, ModelConfig c, LoraConfig lora, String device) {
        long params = MemoryTerms.decoderParams(c);
        List<Term> resident = new ArrayList<>(List.of(new Term("weights (fp32)", params * FP32,
                String.format(Locale.ROOT, "%,d params x 4 B", params))));
        long largest = 0;
        for (String m : lora.targetModules()) {
            long[] io = MemoryTerms.projection(c, m);
            largest = Math.max(largest, io[0] * io[1]);
        }
        long lp = MemoryTerms.loraParams(c, lora);
        resident.add(new Term("adapter (fp32)", lp * FP32, String.format(Locale.ROOT, "%,d params x 4 B", lp)));
        Phase p = new Phase("merge one projection", List.of(new Term("delta + merged weight", 2 * largest * FP32,
                "2 x the largest wrapped projection")), null);
        return new StagePlan(stage, device, resident, List.of(p), List.of());
    }

    /** Greedy generation by the merged model on training prompts (the calibrate stage). */
    public static StagePlan calibrate(String stage, ModelConfig c, int batch, int promptTokens, int newTokens,
            String device) {
        long params = MemoryTerms.decoderParams(c);
        List<Term> resident = List.of(new Term("weights (fp32)", params * FP32, String.format(Locale.ROOT,
                "%,d params x 4 B", params)), new Term("rotary tables", MemoryTerms.rotaryTables(c, FP32), ""));
        return new StagePlan(stage, device, resident, generation(c, null, FP32, batch, 1, promptTokens, newTokens,
                String.format(Locale.ROOT, "calibration.batch_size (now %d), then data.max_prompt_length of the grpo"
                        + " config (now %d) or calibration.max_new_tokens (now %d)", batch, promptTokens, newTokens)),
                List.of());
    }

    /**
     * An evaluation stage: the model in {@code dtype} (with its adapter), the KL reference when it is another model,
     * the similarity encoder, and the largest task.
     *
     * @param adapter the adapter evaluated on the model, or null
     * @param separateReference whether another model is loaded as the KL reference
     */
    public static StagePlan eval(String stage, ModelConfig c, int dtype, LoraConfig adapter, boolean separateReference,
            List<EvalTask> tasks, EncoderShape encoder, String device) {
        long params = MemoryTerms.decoderParams(c);
        String dt = dtype == FP32 ? "fp32" : "fp16";
        List<Term> resident = new ArrayList<>();
        resident.add(new Term("weights (" + dt + ")", params * dtype, String.format(Locale.ROOT, "%,d params x %d B",
                params, dtype)));
        resident.add(new Term("rotary tables", MemoryTerms.rotaryTables(c, dtype), ""));
        if (adapter != null) {
            long lp = MemoryTerms.loraParams(c, adapter);
            resident.add(new Term("adapter (fp32)", lp * FP32, String.format(Locale.ROOT, "%,d params x 4 B", lp)));
            if (dtype != FP32) {
                resident.add(new Term("adapter cast to " + dt, lp * dtype, "made by every forward"));
            }
        }
        if (separateReference) {
            resident.add(new Term("KL reference weights (" + dt + ")", params * dtype, "the base model, loaded beside"));
        }
        List<Phase> phases = new ArrayList<>();
        for (EvalTask t : tasks) {
            String where = t.file() == null ? t.name() : t.file().toAbsolutePath().normalize().toString();
            switch (t.kind()) {
                case "perplexity" -> {
                    // each pass runs in its own scope and keeps only its (window, vocab) log-probs; the second pass
                    // (the KL reference) runs while the first pass's log-probs are kept
                    int w = t.newTokens();
                    boolean kl = adapter != null || separateReference;
                    List<Term> terms = new ArrayList<>(List.of(
                            new Term("activations", MemoryTerms.forward(c, adapter, false, dtype, 1, w, w),
                                    "one window of " + w + " tokens"),
                            new Term("logits, fp32 cast, log-softmax", (long) w * c.vocabSize() * (dtype + 2L * FP32),
                                    w + " positions x " + c.vocabSize() + " vocab")));
                    if (kl) {
                        terms.add(new Term("kept log-probs", (long) w * c.vocabSize() * FP32,
                                "the model's, while the KL reference's pass runs"));
                    }
                    phases.add(new Phase(t.name() + " (window " + w + ")", terms, "perplexity.max_length in "
                            + where + " (now " + w + ")"));
                }
                case "multiple_choice" -> phases.add(new Phase(t.name() + " (" + t.batch() + " x " + t.promptTokens()
                        + " tokens)", List.of(new Term("activations", MemoryTerms.forward(c, adapter, false, dtype,
                                t.batch(), t.promptTokens(), t.promptTokens()), "one scoring forward"),
                                new Term("logits", MemoryTerms.logits(c, (long) t.batch() * t.promptTokens(), 2),
                                        "scored positions, FP32 and log-softmax")),
                        "multiple_choice.batch_size in " + where + " (now " + t.batch() + ")"));
                default -> {
                    for (Phase p : generation(c, adapter, dtype, t.batch(), 1, t.promptTokens(), t.newTokens(),
                            String.format(Locale.ROOT, "generation.batch_size in %s (now %d), or check the assumed"
                                    + " prompt length (eval.prompt_tokens, now %d)", where, t.batch(),
                                    t.promptTokens()))) {
                        phases.add(new Phase(t.name() + ": " + p.name(), p.terms(), p.lower()));
                    }
                    if (t.similarityBatch() > 0 && encoder != null) { // opened after generation, closed after
                        phases.add(new Phase(t.name() + ": similarity", encoderInference("similarity encoder",
                                encoder, t.similarityBatch()), "similarity.batch_size in " + where + " (now "
                                        + t.similarityBatch() + ")"));
                    }
                }
            }
        }
        return new StagePlan(stage, device, resident, phases, List.of());
    }
}
