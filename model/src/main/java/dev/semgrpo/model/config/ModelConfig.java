package dev.semgrpo.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A HF {@code config.json} of a decoder LM, typed. Options that change the maths and that semgrpo does not implement
 * ({@code hidden_act} other than silu, sliding windows, rope types other than default, linear, llama3 and yarn,
 * quantization, experts) are rejected by name; bookkeeping keys (dropout rates, {@code use_cache}, ...) are ignored.
 * RoPE settings are read from either transformers layout ({@link RopeParameters}).
 *
 * @param architecture decoder family from {@code model_type}
 * @param vocabSize rows of {@code embed_tokens} and {@code lm_head}
 * @param hiddenSize model width
 * @param intermediateSize MLP width
 * @param numLayers decoder blocks
 * @param numHeads query heads
 * @param numKvHeads key/value heads (GQA when fewer than {@code numHeads})
 * @param headDim per-head width ({@code head_dim}, default {@code hidden_size / num_attention_heads})
 * @param rmsNormEps RMSNorm epsilon
 * @param ropeTheta RoPE base
 * @param ropeScaling linear, llama3 or yarn scaling, or null
 * @param tieWordEmbeddings whether {@code lm_head} shares {@code embed_tokens}
 * @param maxPositionEmbeddings longest sequence the positions table covers
 * @param qkvBias bias on q/k/v projections
 * @param oBias bias on the output projection
 * @param mlpBias bias on gate/up/down
 * @param eosTokenIds end-of-sequence ids from config.json (may be empty)
 * @param bosTokenId beginning-of-sequence id or null
 * @param padTokenId padding id or null
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        int maxPositionEmbeddings,
        boolean qkvBias,
        boolean oBias,
        boolean mlpBias,
        List<Integer> eosTokenIds,
        Integer bosTokenId,
        Integer padTokenId) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("num_key_value_heads", numKvHeads);
        positive("head_dim", headDim);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads
                    + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, found " + headDim);
        }
        if (!(rmsNormEps > 0)) {
            throw new IllegalArgumentException("rms_norm_eps must be > 0, found " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new IllegalArgumentException("rope_theta must be > 0, found " + ropeTheta);
        }
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, found " + value);
        }
    }

    /** Query width: {@code numHeads * headDim}. */
    public int qDim() {
        return numHeads * headDim;
    }

    /** Key/value width: {@code numKvHeads * headDim}. */
    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Reads and validates {@code config.json}; every error names the file. */
    public static ModelConfig load(Path configJson) throws IOException {
        if (!Files.isRegularFile(configJson)) {
            throw new IOException(configJson + ": no such file; a HF model directory needs config.json");
        }
        JsonNode root;
        try {
            root = JSON.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new IOException(configJson + ": not valid JSON: " + e.getMessage(), e);
        }
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage() + "; fix config.json", e);
        }
    }

    /** Maps a parsed {@code config.json}. */
    public static ModelConfig fromJson(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("config must be a JSON object");
        }
        if (!root.hasNonNull("model_type")) {
            throw new IllegalArgumentException("missing 'model_type'; supported: " + Architecture.supported());
        }
        Architecture arch = Architecture.fromModelType(root.get("model_type").asText());
        String act = text(root, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException("unsupported hidden_act '" + act + "'; supported: silu");
        }
        if (root.path("use_sliding_window").asBoolean(false)) {
            throw new IllegalArgumentException("unsupported option use_sliding_window=true; set it to false"
                    + " (semgrpo attends over the full context)");
        }
        int hidden = integer(root, "hidden_size", null);
        int heads = integer(root, "num_attention_heads", null);
        int kvHeads = integer(root, "num_key_value_heads", heads);
        int headDim = root.hasNonNull("head_dim") ? integer(root, "head_dim", null) : hidden / Math.max(1, heads);
        if (!root.hasNonNull("head_dim") && hidden % Math.max(1, heads) != 0) {
            throw new IllegalArgumentException("hidden_size (" + hidden + ") is not divisible by num_attention_heads ("
                    + heads + ") and no head_dim is given");
        }
        boolean attentionBias = root.path("attention_bias").asBoolean(false);
        boolean qkvBias = arch == Architecture.QWEN2 || attentionBias;
        boolean oBias = arch != Architecture.QWEN2 && attentionBias;
        boolean mlpBias = root.path("mlp_bias").asBoolean(false);
        if (arch == Architecture.QWEN2 && attentionBias) {
            throw new IllegalArgumentException("attention_bias is not a qwen2 option (q/k/v always carry bias)");
        }
        List<Integer> eos = ids(root.get("eos_token_id"), "eos_token_id");
        Integer bos = root.hasNonNull("bos_token_id") ? root.get("bos_token_id").asInt() : null;
        Integer pad = root.hasNonNull("pad_token_id") ? root.get("pad_token_id").asInt() : null;
        for (Map.Entry<String, String> u : UNSUPPORTED.entrySet()) {
            if (root.hasNonNull(u.getKey())) {
                throw new IllegalArgumentException("unsupported option '" + u.getKey() + "': " + u.getValue());
            }
        }
        for (String key : List.of("num_experts", "num_local_experts")) {
            if (root.path(key).asInt(0) > 0) {
                throw new IllegalArgumentException("unsupported option '" + key + "' (mixture of experts); semgrpo"
                        + " runs dense llama/qwen2/qwen3 decoders");
            }
        }
        int maxPositions = integer(root, "max_position_embeddings", 32768);
        RopeParameters rope = RopeParameters.fromJson(root, maxPositions);
        return new ModelConfig(arch, integer(root, "vocab_size", null), hidden, integer(root, "intermediate_size", null),
                integer(root, "num_hidden_layers", null), heads, kvHeads, headDim,
                number(root, "rms_norm_eps", 1e-6), rope.theta(), rope.scaling(),
                root.path("tie_word_embeddings").asBoolean(false), maxPositions,
                qkvBias, oBias, mlpBias, eos, bos, pad);
    }

    private static final Map<String, String> UNSUPPORTED = Map.of(
            "quantization_config", "quantized checkpoints are not supported; load the unquantized weights",
            "partial_rotary_factor", "partial rotary embeddings are not supported",
            "qk_layernorm", "this qk_layernorm variant is not supported; use model_type qwen3");

    private static List<Integer> ids(JsonNode node, String key) {
        List<Integer> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isInt()) {
            out.add(node.asInt());
        } else if (node.isArray()) {
            for (JsonNode n : node) {
                if (!n.isInt()) {
                    throw new IllegalArgumentException(key + " must hold integers, found " + n);
                }
                out.add(n.asInt());
            }
        } else {
            throw new IllegalArgumentException(key + " must be an integer or a list of integers, found " + node);
        }
        return out;
    }

    private static int integer(JsonNode root, String key, Integer dflt) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (dflt == null) {
                throw new IllegalArgumentException("missing required key '" + key + "'");
            }
            return dflt;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new IllegalArgumentException("'" + key + "' must be an integer, found " + n);
        }
        return n.asInt();
    }

    private static double number(JsonNode root, String key, Double dflt) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (dflt == null) {
                throw new IllegalArgumentException("missing required key '" + key + "'");
            }
            return dflt;
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException("'" + key + "' must be a number, found " + n);
        }
        return n.asDouble();
    }

    private static String text(JsonNode root, String key, String dflt) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? dflt : n.asText();
    }

    /** A {@code config.json} that transformers loads into the matching {@code *ForCausalLM}. */
    public ObjectNode toJson(String torchDtype) {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(architecture.hfClass());
        o.put("model_type", architecture.modelType());
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("num_key_value_heads", numKvHeads);
        o.put("head_dim", headDim);
        o.put("hidden_act", "silu");
        o.put("rms_norm_eps", rmsNormEps);
        new RopeParameters(ropeTheta, ropeScaling).write(o);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        if (architecture != Architecture.QWEN2) {
            o.put("attention_bias", qkvBias);
            if (qkvBias != oBias) {
                throw new IllegalStateException(architecture + " ties q/k/v and o bias; found qkv=" + qkvBias
                        + ", o=" + oBias);
            }
        } else {
            o.put("use_sliding_window", false);
        }
        if (architecture == Architecture.LLAMA) {
            o.put("mlp_bias", mlpBias);
        }
        if (bosTokenId != null) {
            o.put("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            o.put("eos_token_id", eosTokenIds.get(0));
        } else if (!eosTokenIds.isEmpty()) {
            ArrayNode a = o.putArray("eos_token_id");
            eosTokenIds.forEach(a::add);
        }
        if (padTokenId != null) {
            o.put("pad_token_id", padTokenId);
        }
        o.put("torch_dtype", torchDtype);
        o.put("use_cache", true);
        o.put("attention_dropout", 0.0);
        o.put("initializer_range", 0.02);
        return o;
    }
}
