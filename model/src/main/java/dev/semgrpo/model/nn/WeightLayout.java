package dev.semgrpo.model.nn;

import dev.semgrpo.model.config.ModelConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** The HF tensor names and shapes a config implies, in checkpoint order. */
public final class WeightLayout {
    private WeightLayout() {
    }

    public static String layer(int i) {
        return "model.layers." + i + ".";
    }

    /** Every tensor the model needs, name to shape. {@code lm_head.weight} only when embeddings are not tied. */
    public static Map<String, long[]> expected(ModelConfig c) {
        return expected(c, c.numLayers());
    }

    /** {@link #expected(ModelConfig)} for the first {@code layers} decoder blocks only. */
    public static Map<String, long[]> expected(ModelConfig c, int layers) {
        Map<String, long[]> w = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long inter = c.intermediateSize();
        w.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
        for (int i = 0; i < layers; i++) {
            String p = layer(i);
            w.put(p + "input_layernorm.weight", new long[] {h});
            w.put(p + "self_attn.q_proj.weight", new long[] {c.qDim(), h});
            w.put(p + "self_attn.k_proj.weight", new long[] {c.kvDim(), h});
            w.put(p + "self_attn.v_proj.weight", new long[] {c.kvDim(), h});
            if (c.qkvBias()) {
                w.put(p + "self_attn.q_proj.bias", new long[] {c.qDim()});
                w.put(p + "self_attn.k_proj.bias", new long[] {c.kvDim()});
                w.put(p + "self_attn.v_proj.bias", new long[] {c.kvDim()});
            }
            w.put(p + "self_attn.o_proj.weight", new long[] {h, c.qDim()});
            if (c.oBias()) {
                w.put(p + "self_attn.o_proj.bias", new long[] {h});
            }
            if (c.architecture().hasQkNorm()) {
                w.put(p + "self_attn.q_norm.weight", new long[] {c.headDim()});
                w.put(p + "self_attn.k_norm.weight", new long[] {c.headDim()});
            }
            w.put(p + "post_attention_layernorm.weight", new long[] {h});
            w.put(p + "mlp.gate_proj.weight", new long[] {inter, h});
            w.put(p + "mlp.up_proj.weight", new long[] {inter, h});
            w.put(p + "mlp.down_proj.weight", new long[] {h, inter});
            if (c.mlpBias()) {
                w.put(p + "mlp.gate_proj.bias", new long[] {inter});
                w.put(p + "mlp.up_proj.bias", new long[] {inter});
                w.put(p + "mlp.down_proj.bias", new long[] {h});
            }
        }
        w.put("model.norm.weight", new long[] {h});
        if (!c.tieWordEmbeddings()) {
            w.put("lm_head.weight", new long[] {c.vocabSize(), h});
        }
        return w;
    }

    /** Where a shape comes from, for error messages. */
    public static String explain(String name, ModelConfig c) {
        if (name.contains("k_proj") || name.contains("v_proj")) {
            return "num_key_value_heads=" + c.numKvHeads() + ", head_dim=" + c.headDim() + ", hidden_size="
                    + c.hiddenSize();
        }
        if (name.contains("q_proj") || name.contains("o_proj")) {
            return "num_attention_heads=" + c.numHeads() + ", head_dim=" + c.headDim() + ", hidden_size="
                    + c.hiddenSize();
        }
        if (name.contains("_norm.weight") && name.contains("self_attn")) {
            return "head_dim=" + c.headDim();
        }
        if (name.contains("mlp")) {
            return "intermediate_size=" + c.intermediateSize() + ", hidden_size=" + c.hiddenSize();
        }
        if (name.contains("embed") || name.contains("lm_head")) {
            return "vocab_size=" + c.vocabSize() + ", hidden_size=" + c.hiddenSize();
        }
        return "hidden_size=" + c.hiddenSize();
    }
}
