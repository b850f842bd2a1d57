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
    void builderDefaultsAreThoseOfAConfigJsonWithoutTheKeys() {
        for (String arch : List.of("llama", "qwen2", "qwen3")) {
            ObjectNode o = TinyModels.JSON.createObjectNode();
            o.put("model_type", arch);
            o.put("vocab_size", 96);
            o.put("hidden_size", 32);
            o.put("intermediate_size", 64);
            o.put("num_hidden_layers", 2);
            o.put("num_attention_heads", 4);
            o.put("rope_theta", 10000.0);
            ModelConfig built = ModelConfig.builder().setArchitecture(Architecture.fromModelType(arch))
                    .setVocabSize(96).setHiddenSize(32).setIntermediateSize(64).setNumLayers(2).setNumHeads(4)
                    .setRopeTheta(10000.0).build();
            assertEquals(ModelConfig.fromJson(o), built, arch);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ModelConfig.builder().setArchitecture(Architecture.QWEN3).setVocabSize(96).build());
        assertEquals("ModelConfig.builder(): setHiddenSize, setIntermediateSize, setNumLayers, setNumHeads,"
                + " setRopeTheta are required", e.getMessage());
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
        assertEquals(new RopeScaling.Llama3(32.0, 1.0, 4.0, 8192), c.ropeScaling());
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
        ObjectNode dynamic = qwen3Json();
        dynamic.putObject("rope_scaling").put("rope_type", "dynamic").put("factor", 4.0);
        assertEquals("unsupported rope_type 'dynamic' in 'rope_scaling'; supported: default, linear, llama3, yarn",
                assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(dynamic)).getMessage());
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

    /** Qwen3-4B as transformers 5 writes it: no top-level rope_theta, a rope_parameters object. */
    private static ObjectNode qwen3Transformers5() {
        ObjectNode o = qwen3Json();
        o.remove("rope_theta");
        o.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 1000000.0);
        return o;
    }

    private static String error(ObjectNode o) {
        return assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(o)).getMessage();
    }

    @Test
    void transformers4LayoutIsRead() {
        ObjectNode o = qwen3Json();
        o.putObject("rope_scaling").put("type", "linear").put("factor", 2.0); // the old name of rope_type
        ModelConfig c = ModelConfig.fromJson(o);
        assertEquals(1000000.0, c.ropeTheta());
        assertEquals(new RopeScaling.Linear(2.0), c.ropeScaling());
        ObjectNode yarn = qwen3Json();
        yarn.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0)
                .put("original_max_position_embeddings", 32768);
        assertEquals(RopeScaling.Yarn.of(4.0, 32768), ModelConfig.fromJson(yarn).ropeScaling());
    }

    @Test
    void transformers5LayoutIsRead() {
        ModelConfig c = ModelConfig.fromJson(qwen3Transformers5());
        assertEquals(1000000.0, c.ropeTheta());
        assertNull(c.ropeScaling());
        // Qwen3's long-context setting, transformers 5 style; original_max_position_embeddings falls back to
        // max_position_embeddings (40960) as transformers 5's standardize_rope_params does
        ObjectNode yarn = qwen3Transformers5();
        ((ObjectNode) yarn.get("rope_parameters")).put("rope_type", "yarn").put("factor", 4.0).put("beta_fast", 16)
                .put("truncate", false);
        assertEquals(new RopeScaling.Yarn(4.0, 40960, 16, 1, null, null, null, false),
                ModelConfig.fromJson(yarn).ropeScaling());
        ObjectNode llama = qwen3Transformers5();
        ((ObjectNode) llama.get("rope_parameters")).put("rope_type", "llama3").put("factor", 8.0)
                .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
        assertEquals(new RopeScaling.Llama3(8.0, 1.0, 4.0, 8192), ModelConfig.fromJson(llama).ropeScaling());
    }

    @Test
    void bothLayoutsMayAppearWhenTheyAgree() {
        ObjectNode same = qwen3Transformers5();
        same.put("rope_theta", 1000000);
        same.putNull("rope_scaling");
        assertEquals(ModelConfig.fromJson(qwen3Json()), ModelConfig.fromJson(same));
        ObjectNode empty = qwen3Transformers5();
        empty.putObject("rope_scaling");
        ((ObjectNode) empty.get("rope_parameters")).put("rope_type", "linear").put("factor", 2.0);
        assertEquals(new RopeScaling.Linear(2.0), ModelConfig.fromJson(empty).ropeScaling(), "{} counts as absent");
        ObjectNode theta = qwen3Transformers5();
        theta.put("rope_theta", 10000.0);
        assertEquals("'rope_theta' (10000.0) and 'rope_parameters.rope_theta' (1000000.0) disagree; keep one RoPE base",
                error(theta));
        ObjectNode scaling = qwen3Transformers5();
        scaling.putObject("rope_scaling").put("rope_type", "linear").put("factor", 2.0);
        assertTrue(error(scaling).startsWith("'rope_scaling' {\"rope_type\":\"linear\",\"factor\":2.0} and"
                + " 'rope_parameters' {\"rope_type\":\"default\",\"rope_theta\":1000000.0} describe different RoPE"
                + " scaling; keep one of them"), error(scaling));
    }

    @Test
    void missingThetaIsAnErrorNotTenThousand() {
        ObjectNode o = qwen3Json();
        o.remove("rope_theta");
        assertTrue(error(o).startsWith("no RoPE base: config.json has neither 'rope_theta' nor"
                + " 'rope_parameters.rope_theta'"), error(o));
        ObjectNode onlyScaling = qwen3Json();
        onlyScaling.remove("rope_theta");
        onlyScaling.putObject("rope_parameters").put("rope_type", "linear").put("factor", 2.0);
        assertTrue(error(onlyScaling).startsWith("no RoPE base"), error(onlyScaling));
    }

    @Test
    void ropeTypesAndKeysAreCheckedByName() {
        ObjectNode longrope = qwen3Transformers5();
        ((ObjectNode) longrope.get("rope_parameters")).put("rope_type", "longrope");
        assertEquals("unsupported rope_type 'longrope' in 'rope_parameters'; supported: default, linear, llama3, yarn",
                error(longrope));
        ObjectNode typo = qwen3Transformers5();
        ((ObjectNode) typo.get("rope_parameters")).put("rope_type", "yarn").put("factor", 4.0).put("beta_fats", 32);
        assertTrue(error(typo).startsWith("unknown key 'rope_parameters.beta_fats' for rope_type yarn; known:"
                + " [attention_factor, beta_fast, beta_slow, factor, mscale, mscale_all_dim,"
                + " original_max_position_embeddings, rope_theta, truncate]"), error(typo));
        ObjectNode noFactor = qwen3Transformers5();
        ((ObjectNode) noFactor.get("rope_parameters")).put("rope_type", "yarn");
        assertTrue(error(noFactor).startsWith("'rope_parameters' (rope_type yarn): missing required key 'factor'"),
                error(noFactor));
        ObjectNode llama = qwen3Json();
        llama.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0);
        assertEquals("'rope_scaling' (rope_type llama3): missing required key 'low_freq_factor' for rope_type llama3",
                error(llama));
        ObjectNode text = qwen3Transformers5();
        ((ObjectNode) text.get("rope_parameters")).put("rope_theta", "1e6");
        assertEquals("'rope_parameters.rope_theta' must be a finite number, found \"1e6\"", error(text));
        ObjectNode small = qwen3Json();
        small.putObject("rope_scaling").put("rope_type", "linear").put("factor", 0.5);
        assertEquals("'rope_scaling' (rope_type linear): factor must be a number >= 1, found 0.5", error(small));
        ObjectNode types = qwen3Json();
        types.putObject("rope_scaling").put("rope_type", "linear").put("type", "yarn").put("factor", 2.0);
        assertEquals("'rope_scaling.rope_type' (linear) and 'rope_scaling.type' (yarn) disagree; keep rope_type",
                error(types));
    }

    @Test
    void savedConfigsUseTheTransformers4LayoutAndRoundTrip() {
        ObjectNode yarn = qwen3Transformers5();
        ((ObjectNode) yarn.get("rope_parameters")).put("rope_type", "yarn").put("factor", 4.0)
                .put("original_max_position_embeddings", 32768).put("attention_factor", 1.2).put("truncate", false);
        ModelConfig c = ModelConfig.fromJson(yarn);
        ObjectNode saved = c.toJson("float32");
        assertEquals(1000000.0, saved.get("rope_theta").asDouble());
        assertEquals("yarn", saved.get("rope_scaling").get("rope_type").asText());
        assertTrue(!saved.has("rope_parameters"), saved.toString());
        assertEquals(c, ModelConfig.fromJson(saved));
    }

    @Test
    void toJsonRoundTrips() {
        for (ModelConfig c : TinyModels.all()) {
            assertEquals(c, ModelConfig.fromJson(c.toJson("float32")));
        }
    }
}
