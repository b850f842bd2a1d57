package dev.semgrpo.model.config;

import static dev.semgrpo.model.config.ConfigJson.required;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.config.ConfigJson.KeyException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
        try {
            Math.multiplyExact(Math.max(numHeads, numKvHeads), headDim);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads + ") x head_dim (" + headDim
                    + ") overflows 32 bits; check config.json");
        }
        tokenIds("eos_token_id", eosTokenIds, vocabSize);
        tokenIds("bos_token_id", bosTokenId == null ? List.of() : List.of(bosTokenId), vocabSize);
        tokenIds("pad_token_id", padTokenId == null ? List.of() : List.of(padTokenId), vocabSize);
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
            throw new KeyException(key, key + " must be > 0, found " + value);
        }
    }

    /** Each id must index a row of the embedding: 0 <= id < vocab_size. */
    private static void tokenIds(String key, List<Integer> ids, int vocabSize) {
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new KeyException(key, key + " " + id + " is not a token of the vocabulary [0, " + vocabSize
                        + "); set it to the tokenizer's id or remove the key");
            }
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

    /**
     * Reads and validates {@code config.json} ({@link ConfigJson}: strict JSON, no coercion); every error names the
     * file and, where one key is at fault, its line.
     */
    public static ModelConfig load(Path configJson) throws IOException {
        return ConfigJson.bind(configJson, readJson(configJson), ModelConfig::fromJson);
    }

    /** {@code config.json} as a JSON object, read strictly ({@link ConfigJson#read}). */
    public static ObjectNode readJson(Path configJson) throws IOException {
        return ConfigJson.read(configJson, "a HF model directory needs config.json");
    }

    /** Maps a parsed {@code config.json}. */
    public static ModelConfig fromJson(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("config must be a JSON object");
        }
        String modelType = text(root, "model_type");
        if (modelType == null) {
            throw new KeyException("model_type", "missing 'model_type'; supported: " + Architecture.supported());
        }
        Architecture arch = Architecture.fromModelType(modelType);
        String act = Objects.requireNonNullElse(text(root, "hidden_act"), "silu");
        if (!act.equals("silu")) {
            throw new KeyException("hidden_act", "unsupported hidden_act '" + act + "'; supported: silu");
        }
        if (flag(root, "use_sliding_window")) {
            throw new KeyException("use_sliding_window", "unsupported option use_sliding_window=true; set it to false"
                    + " (semgrpo attends over the full context)");
        }
        int hidden = required(integer(root, "hidden_size"), "hidden_size");
        int heads = required(integer(root, "num_attention_heads"), "num_attention_heads");
        int kvHeads = Objects.requireNonNullElse(integer(root, "num_key_value_heads"), heads);
        Integer givenHeadDim = integer(root, "head_dim");
        if (givenHeadDim == null && heads > 0 && hidden % heads != 0) {
            throw new IllegalArgumentException("hidden_size (" + hidden + ") is not divisible by num_attention_heads ("
                    + heads + ") and no head_dim is given");
        }
        int headDim = givenHeadDim != null ? givenHeadDim : hidden / Math.max(1, heads);
        boolean attentionBias = flag(root, "attention_bias");
        boolean qkvBias = arch == Architecture.QWEN2 || attentionBias;
        boolean oBias = arch != Architecture.QWEN2 && attentionBias;
        boolean mlpBias = flag(root, "mlp_bias");
        if (arch == Architecture.QWEN2 && attentionBias) {
            throw new KeyException("attention_bias", "attention_bias is not a qwen2 option (q/k/v always carry bias)");
        }
        List<Integer> eos = ids(root.get("eos_token_id"), "eos_token_id");
        Integer bos = integer(root, "bos_token_id");
        Integer pad = integer(root, "pad_token_id");
        for (Map.Entry<String, String> u : UNSUPPORTED.entrySet()) {
            if (root.hasNonNull(u.getKey())) {
                throw new KeyException(u.getKey(), "unsupported option '" + u.getKey() + "': " + u.getValue());
            }
        }
        for (String key : List.of("num_experts", "num_local_experts")) {
            if (Objects.requireNonNullElse(integer(root, key), 0) > 0) {
                throw new KeyException(key, "unsupported option '" + key + "' (mixture of experts); semgrpo"
                        + " runs dense llama/qwen2/qwen3 decoders");
            }
        }
        int maxPositions = Objects.requireNonNullElse(integer(root, "max_position_embeddings"), 32768);
        RopeParameters rope = RopeParameters.fromJson(root, maxPositions);
        return builder().setArchitecture(arch).setVocabSize(required(integer(root, "vocab_size"), "vocab_size"))
                .setHiddenSize(hidden)
                .setIntermediateSize(required(integer(root, "intermediate_size"), "intermediate_size"))
                .setNumLayers(required(integer(root, "num_hidden_layers"), "num_hidden_layers"))
                .setNumHeads(heads).optNumKvHeads(kvHeads).optHeadDim(headDim)
                .optRmsNormEps(Objects.requireNonNullElse(ConfigJson.number(root, "rms_norm_eps", "rms_norm_eps"),
                        1e-6))
                .setRopeTheta(rope.theta()).optRopeScaling(rope.scaling())
                .optTieWordEmbeddings(flag(root, "tie_word_embeddings")).optMaxPositionEmbeddings(maxPositions)
                .optQkvBias(qkvBias).optOBias(oBias).optMlpBias(mlpBias)
                .optEosTokenIds(eos).optBosTokenId(bos).optPadTokenId(pad).build();
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
        for (JsonNode n : node.isArray() ? node : List.of(node)) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw new KeyException(key, "'" + key + "' must be a token id or a list of token ids, found " + node);
            }
            out.add(n.intValue());
        }
        return out;
    }

    private static Integer integer(JsonNode root, String key) {
        return ConfigJson.integer(root, key, key);
    }

    private static String text(JsonNode root, String key) {
        return ConfigJson.text(root, key, key);
    }

    /** A top-level boolean, false when absent. */
    private static boolean flag(JsonNode root, String key) {
        return Boolean.TRUE.equals(ConfigJson.bool(root, key, key));
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

    /**
     * A builder. Required: architecture, vocab size, hidden size, intermediate size, layers, heads and rope theta
     * (config.json has no default theta either). The rest default as {@link #fromJson} reads a config.json without
     * the key: key/value heads = heads, head_dim = hidden / heads, rms_norm_eps 1e-6, no rope scaling, untied
     * embeddings, 32768 positions, bias on q/k/v for qwen2 only, no special token ids.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ModelConfig}; the record's constructor checks the values. */
    public static final class Builder {
        private Architecture architecture;
        private Integer vocabSize;
        private Integer hiddenSize;
        private Integer intermediateSize;
        private Integer numLayers;
        private Integer numHeads;
        private Integer numKvHeads;
        private Integer headDim;
        private double rmsNormEps = 1e-6;
        private Double ropeTheta;
        private RopeScaling ropeScaling;
        private boolean tieWordEmbeddings;
        private int maxPositionEmbeddings = 32768;
        private Boolean qkvBias;
        private boolean oBias;
        private boolean mlpBias;
        private List<Integer> eosTokenIds = List.of();
        private Integer bosTokenId;
        private Integer padTokenId;

        private Builder() {
        }

        public Builder setArchitecture(Architecture architecture) {
            this.architecture = architecture;
            return this;
        }

        public Builder setVocabSize(int vocabSize) {
            this.vocabSize = vocabSize;
            return this;
        }

        public Builder setHiddenSize(int hiddenSize) {
            this.hiddenSize = hiddenSize;
            return this;
        }

        public Builder setIntermediateSize(int intermediateSize) {
            this.intermediateSize = intermediateSize;
            return this;
        }

        public Builder setNumLayers(int numLayers) {
            this.numLayers = numLayers;
            return this;
        }

        public Builder setNumHeads(int numHeads) {
            this.numHeads = numHeads;
            return this;
        }

        public Builder setRopeTheta(double ropeTheta) {
            this.ropeTheta = ropeTheta;
            return this;
        }

        /** Key/value heads (default: the number of query heads). */
        public Builder optNumKvHeads(int numKvHeads) {
            this.numKvHeads = numKvHeads;
            return this;
        }

        /** Per-head width (default {@code hiddenSize / numHeads}). */
        public Builder optHeadDim(int headDim) {
            this.headDim = headDim;
            return this;
        }

        public Builder optRmsNormEps(double rmsNormEps) {
            this.rmsNormEps = rmsNormEps;
            return this;
        }

        /** Linear, llama3 or yarn scaling (default null: none). */
        public Builder optRopeScaling(RopeScaling ropeScaling) {
            this.ropeScaling = ropeScaling;
            return this;
        }

        public Builder optTieWordEmbeddings(boolean tieWordEmbeddings) {
            this.tieWordEmbeddings = tieWordEmbeddings;
            return this;
        }

        public Builder optMaxPositionEmbeddings(int maxPositionEmbeddings) {
            this.maxPositionEmbeddings = maxPositionEmbeddings;
            return this;
        }

        /** Bias on q/k/v (default: true for qwen2 only). */
        public Builder optQkvBias(boolean qkvBias) {
            this.qkvBias = qkvBias;
            return this;
        }

        public Builder optOBias(boolean oBias) {
            this.oBias = oBias;
            return this;
        }

        public Builder optMlpBias(boolean mlpBias) {
            this.mlpBias = mlpBias;
            return this;
        }

        public Builder optEosTokenIds(List<Integer> eosTokenIds) {
            this.eosTokenIds = eosTokenIds;
            return this;
        }

        public Builder optBosTokenId(Integer bosTokenId) {
            this.bosTokenId = bosTokenId;
            return this;
        }

        public Builder optPadTokenId(Integer padTokenId) {
            this.padTokenId = padTokenId;
            return this;
        }

        public ModelConfig build() {
            List<String> missing = new ArrayList<>();
            require(missing, architecture, "setArchitecture");
            require(missing, vocabSize, "setVocabSize");
            require(missing, hiddenSize, "setHiddenSize");
            require(missing, intermediateSize, "setIntermediateSize");
            require(missing, numLayers, "setNumLayers");
            require(missing, numHeads, "setNumHeads");
            require(missing, ropeTheta, "setRopeTheta");
            if (!missing.isEmpty()) {
                throw new IllegalStateException("ModelConfig.builder(): " + String.join(", ", missing)
                        + (missing.size() == 1 ? " is" : " are") + " required");
            }
            int heads = numHeads;
            int kv = numKvHeads != null ? numKvHeads : heads;
            int hd = headDim != null ? headDim : (heads > 0 ? hiddenSize / heads : 0);
            boolean qkv = qkvBias != null ? qkvBias : architecture == Architecture.QWEN2;
            return new ModelConfig(architecture, vocabSize, hiddenSize, intermediateSize, numLayers, heads, kv, hd,
                    rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings, maxPositionEmbeddings, qkv, oBias, mlpBias,
                    eosTokenIds, bosTokenId, padTokenId);
        }

        private static void require(List<String> missing, Object value, String setter) {
            if (value == null) {
                missing.add(setter);
            }
        }
    }
}
