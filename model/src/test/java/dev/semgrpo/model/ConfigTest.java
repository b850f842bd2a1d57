package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.config.RopeScaling;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigTest {
    private static ObjectNode qwen3Json() {
        ObjectNode o = TinyModels.JSON.createObjectNode();
        o.put("model_type", "qwen3");
        o.put("vocab_size", 151936);
        o.put("hidden_size", 2560);
        o.put("intermediate_size", 9728);
        o.put("num_hidden_layers", 36);
        o.put("num_attention_heads", 32);
        o.put("num_key_value_heads", 8);
        o.put("head_dim", 128);
        o.put("rms_norm_eps", 1e-6);
        o.put("rope_theta", 1000000);
        o.put("tie_word_embeddings", true);
        o.put("max_position_embeddings", 40960);
        o.put("hidden_act", "silu");
        o.put("eos_token_id", 151645);
        o.put("torch_dtype", "bfloat16");
        o.put("sliding_window", (String) null);
        o.put("use_sliding_window", false);
        return o;
    }

    @Test
    void qwen3FourBMapsToTypedFields() {
        ModelConfig c = ModelConfig.fromJson(qwen3Json());
        assertEquals(Architecture.QWEN3, c.architecture());
        assertEquals(128, c.headDim());
        assertEquals(4096, c.qDim());
        assertEquals(1024, c.kvDim());
        assertEquals(List.of(151645), c.eosTokenIds());
        assertTrue(c.tieWordEmbeddings());
        assertNull(c.ropeScaling());
    }

    @Test
    void llamaRopeScalingAndEosListsAreRead() {
        ObjectNode o = qwen3Json();
        o.put("model_type", "llama");
        o.remove("head_dim");
        o.putArray("eos_token_id").add(128001).add(128008).add(128009);
        ObjectNode rs = o.putObject("rope_scaling");
        rs.put("rope_type", "llama3");
        rs.put("factor", 32.0);
        rs.put("low_freq_factor", 1.0);
        rs.put("high_freq_factor", 4.0);
        rs.put("original_max_position_embeddings", 8192);
        ModelConfig c = ModelConfig.fromJson(o);
        assertEquals(80, c.headDim(), "head_dim defaults to hidden / heads");
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertEquals(32.0, c.ropeScaling().factor());
        double[] plain = RopeScaling.inverseFrequencies(128, 500000, null);
        double[] scaled = RopeScaling.inverseFrequencies(128, 500000, c.ropeScaling());
        assertEquals(plain[0], scaled[0], 1e-12, "high frequencies are kept");
        assertEquals(plain[63] / 32, scaled[63], 1e-15, "low frequencies are divided by the factor");
    }

    @Test
    void unsupportedTypesAndOptionsAreRejectedByName() {
        ObjectNode o = qwen3Json();
        o.put("model_type", "mistral");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(o)).getMessage()
                .contains("unsupported model_type 'mistral'; supported: llama, qwen2, qwen3"));
        ObjectNode act = qwen3Json();
        act.put("hidden_act", "gelu");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(act)).getMessage()
                .contains("hidden_act 'gelu'"));
        ObjectNode yarn = qwen3Json();
        yarn.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(yarn)).getMessage()
                .contains("rope_scaling type 'yarn'"));
        ObjectNode sw = qwen3Json();
        sw.put("use_sliding_window", true);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(sw)).getMessage()
                .contains("use_sliding_window"));
        ObjectNode gqa = qwen3Json();
        gqa.put("num_key_value_heads", 5);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(gqa)).getMessage()
                .contains("num_attention_heads (32) must be a multiple of num_key_value_heads (5)"));
        ObjectNode missing = qwen3Json();
        missing.remove("hidden_size");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(missing)).getMessage()
                .contains("missing required key 'hidden_size'"));
    }

    @Test
    void toJsonRoundTrips() {
        for (ModelConfig c : TinyModels.all()) {
            assertEquals(c, ModelConfig.fromJson(c.toJson("float32")));
        }
    }
}
