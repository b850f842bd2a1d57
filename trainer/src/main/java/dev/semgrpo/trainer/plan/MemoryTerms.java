package dev.semgrpo.trainer.plan;

import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.encoder.EncoderConfig;
import dev.semgrpo.model.lora.LoraConfig;

/**
 * The memory formulas, one pure function per term, in bytes. They count what the code keeps alive: DJL holds every
 * intermediate of a forward until the scope that made it closes (a micro-batch, one prefill, one decode step), so a
 * forward's activations are all its layers' intermediates together, with or without gradients. The per-layer
 * counts below follow {@code DecoderBlock}, {@code CausalSelfAttention}, {@code MLP}, {@code RMSNorm},
 * {@code RotaryEmbedding}, {@code LoraAdapter} and {@code LogProbScorer} tensor by tensor; docs/training.md
 * ("Memory plan") writes them out for Qwen3-4B.
 */
public final class MemoryTerms {
    /** Bytes of an FP32 value. */
    public static final int FP32 = 4;
    /** Bytes of an FP16 value. */
    public static final int FP16 = 2;

    private MemoryTerms() {
    }

    // ---- parameters

    /** (in, out) features of a decoder projection named as in {@link LoraConfig#MODULES}. */
    static long[] projection(ModelConfig c, String module) {
        long h = c.hiddenSize();
        return switch (module) {
            case "q_proj" -> new long[] {h, c.qDim()};
            case "k_proj", "v_proj" -> new long[] {h, c.kvDim()};
            case "o_proj" -> new long[] {c.qDim(), h};
            case "gate_proj", "up_proj" -> new long[] {h, c.intermediateSize()};
            case "down_proj" -> new long[] {c.intermediateSize(), h};
            default -> throw new IllegalArgumentException("unknown projection '" + module + "'");
        };
    }

    /**
     * Parameters of the decoder: embedding (and an untied LM head), per layer q/k/v/o and gate/up/down projections,
     * their biases, two RMSNorms (and Qwen3's per-head q/k norms), and the final norm.
     */
    public static long decoderParams(ModelConfig c) {
        long h = c.hiddenSize();
        long q = c.qDim();
        long kv = c.kvDim();
        long i = c.intermediateSize();
        long perLayer = h * q + 2 * h * kv + q * h + 3 * h * i + 2 * h;
        if (c.architecture().hasQkNorm()) {
            perLayer += 2L * c.headDim();
        }
        if (c.qkvBias()) {
            perLayer += q + 2 * kv;
        }
        if (c.oBias()) {
            perLayer += h;
        }
        if (c.mlpBias()) {
            perLayer += 2 * i + h;
        }
        long embedding = (long) c.vocabSize() * h * (c.tieWordEmbeddings() ? 1 : 2);
        return c.numLayers() * perLayer + embedding + h;
    }

    /** LoRA parameters: {@code r x (in + out)} per wrapped projection per layer. */
    public static long loraParams(ModelConfig c, LoraConfig lora) {
        long n = 0;
        for (String m : lora.targetModules()) {
            long[] io = projection(c, m);
            n += (long) lora.r() * (io[0] + io[1]);
        }
        return n * c.numLayers();
    }

    /** The rotary cos and sin tables, (max_position_embeddings, head_dim) each. */
    public static long rotaryTables(ModelConfig c, int dtypeBytes) {
        return 2L * c.maxPositionEmbeddings() * c.headDim() * dtypeBytes;
    }

    // ---- activations of one decoder forward

    /**
     * An RMSNorm over {@code n} values, computed in FP32: in FP32 x^2, x / rms and w * y (12 bytes a value); in FP16
     * the FP32 copy of the input, x^2 and x / rms, then the cast back and w * y in FP16 (16 bytes).
     */
    static long norm(long n, int dtypeBytes) {
        return dtypeBytes == FP32 ? 3 * n * FP32 : 3 * n * FP32 + 2 * n * dtypeBytes;
    }

    /**
     * Bytes one token leaves alive in one decoder layer, without the attention scores
     * ({@link #attentionScores}): two RMSNorms (and Qwen3's q/k norms), the q/k/v/o/gate/up/down outputs, rotary
     * (x2 negated, the concatenation, x cos, rot sin, their sum: 4.5 values per rotated value), the attention output
     * and its contiguous copy, two residual sums, SwiGLU's sigmoid, product and gated product; and per LoRA-wrapped
     * projection its low-rank {@code r} values, its {@code B} output, the scaled copy and the sum ({@code 3 x out + r}),
     * plus in training with dropout the dropped input and its byte mask.
     *
     * @param lora the adapters taking part in the forward, or null (none, or switched off)
     */
    public static long layerBytesPerToken(ModelConfig c, LoraConfig lora, boolean training, int dtypeBytes) {
        long h = c.hiddenSize();
        long q = c.qDim();
        long kv = c.kvDim();
        long i = c.intermediateSize();
        long values = q + 2 * kv + h + h // projection outputs: q, k, v, o, down
                + (9 * (q + kv)) / 2 // rotary on q and k
                + 2 * q // attention output, contiguous copy
                + 2 * h // residual sums
                + 5 * i; // gate, up, sigmoid(gate), gate * sigmoid, product
        long bytes = values * dtypeBytes + 2 * norm(h, dtypeBytes);
        if (c.architecture().hasQkNorm()) {
            bytes += norm(q, dtypeBytes) + norm(kv, dtypeBytes);
        }
        if (lora != null) {
            boolean dropout = training && lora.dropout() > 0;
            for (String m : lora.targetModules()) {
                long[] io = projection(c, m);
                bytes += (3 * io[1] + lora.r()) * dtypeBytes;
                if (dropout) {
                    bytes += io[0] * dtypeBytes + io[0]; // dropped input, mask
                }
            }
        }
        return bytes;
    }

    /**
     * Attention scores of a forward over all layers: {@code layers x heads x queries x keys} values, kept as the
     * product, the scaled product, the masked scores and the softmax (FP32: 16 bytes); in FP16 the product and scaled
     * product are FP16, the FP32 cast, masked scores and softmax FP32, and the probabilities cast back
     * (2 + 2 + 4 + 4 + 4 + 2 = 18 bytes).
     *
     * @param queries rows x new tokens per row
     * @param keys keys each query sees (the padded sequence, or the cache length)
     */
    public static long attentionScores(ModelConfig c, long queries, long keys, int dtypeBytes) {
        long perValue = dtypeBytes == FP32 ? 16 : 3L * dtypeBytes + 3L * FP32;
        return c.numLayers() * (long) c.numHeads() * queries * keys * perValue;
    }

    /** The additive attention mask of one forward: causal (t, s), key mask (rows, s), bias (rows, t, s) x 3, FP32. */
    public static long attentionMask(long rows, long t, long s) {
        return FP32 * (t * s + rows * s + 3 * rows * t * s);
    }

    /**
     * Every intermediate of one forward over {@code rows x t} new tokens seeing {@code s} keys: all layers'
     * per-token bytes, the attention scores, the mask, and the embedding output and final norm.
     */
    public static long forward(ModelConfig c, LoraConfig lora, boolean training, int dtypeBytes, long rows, long t,
            long s) {
        long tokens = rows * t;
        return tokens * c.numLayers() * layerBytesPerToken(c, lora, training, dtypeBytes)
                + attentionScores(c, tokens, s, dtypeBytes) + attentionMask(rows, t, s)
                + tokens * ((long) c.hiddenSize() * dtypeBytes + norm(c.hiddenSize(), dtypeBytes));
    }

    /** The backward's working set: the gradients of one layer's intermediates at a time (the frozen base too). */
    public static long backwardLayer(ModelConfig c, LoraConfig lora, long rows, long t) {
        return rows * t * layerBytesPerToken(c, lora, true, FP32)
                + attentionScores(c, rows * t, t, FP32) / c.numLayers();
    }

    /** {@code copies} FP32 tensors of (positions, vocab): logits, /T, log-softmax, entropy's exp and product, gradients. */
    public static long logits(ModelConfig c, long positions, int copies) {
        return positions * c.vocabSize() * (long) FP32 * copies;
    }

    /** A KV cache: {@code layers x 2 (K, V) x rows x kv_heads x capacity x head_dim} values. */
    public static long kvCache(ModelConfig c, long rows, long capacity, int dtypeBytes) {
        return 2L * c.numLayers() * rows * c.kvDim() * capacity * dtypeBytes;
    }

    // ---- sentence encoders (coarser: BERT-style post-norm layers)

    /** Parameters of a BERT/XLM-R encoder: embeddings (words, positions, types, LayerNorm) and its layers. */
    public static long encoderParams(EncoderConfig e) {
        long h = e.hiddenSize();
        long i = e.intermediateSize();
        long embeddings = ((long) e.vocabSize() + e.maxPositionEmbeddings() + e.typeVocabSize()) * h + 2 * h;
        long perLayer = 4 * (h * h + h) + 2 * h * i + i + h + 4 * h;
        return embeddings + e.numLayers() * perLayer;
    }

    /**
     * Activations of one encoder forward over {@code texts x tokens}, FP32: per token per layer about 14 hidden-sized
     * values (q, k, v, attention output and its copy, output projection, two residual sums, two LayerNorms of 3) and
     * 3 intermediate-sized ones (up, GELU, its input copy), plus 4 copies of the scores; training keeps the same set
     * for the backward and adds one layer of gradients.
     */
    public static long encoderForward(EncoderConfig e, long texts, long tokens, boolean training) {
        long perToken = (14L * e.hiddenSize() + 3L * e.intermediateSize()) * FP32;
        long scores = (long) e.numHeads() * tokens * 16;
        long all = texts * tokens * e.numLayers() * (perToken + scores);
        return training ? all + all / e.numLayers() : all;
    }
}
