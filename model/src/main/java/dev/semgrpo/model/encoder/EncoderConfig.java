package dev.semgrpo.model.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.config.ConfigJson;
import dev.semgrpo.model.config.ConfigJson.KeyException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A BERT-family encoder's {@code config.json}: {@code bert} (LaBSE, MiniLM, CINO's BERT variants) or the RoBERTa
 * layout ({@code roberta}, {@code xlm-roberta}: multilingual-e5, bge-m3, CINO), whose positions start after the
 * padding index.
 *
 * @param modelType bert, roberta or xlm-roberta
 * @param vocabSize word embedding rows
 * @param hiddenSize model width
 * @param numLayers encoder layers
 * @param numHeads attention heads
 * @param intermediateSize feed-forward width
 * @param maxPositionEmbeddings position embedding rows
 * @param typeVocabSize token type rows
 * @param layerNormEps LayerNorm epsilon
 * @param padTokenId padding id (RoBERTa positions count from {@code padTokenId + 1})
 */
public record EncoderConfig(String modelType, int vocabSize, int hiddenSize, int numLayers, int numHeads,
        int intermediateSize, int maxPositionEmbeddings, int typeVocabSize, double layerNormEps, int padTokenId) {

    public static final List<String> TYPES = List.of("bert", "roberta", "xlm-roberta");
    private static final ObjectMapper JSON = new ObjectMapper();

    public EncoderConfig {
        if (!TYPES.contains(modelType)) {
            throw new IllegalArgumentException("unsupported encoder model_type '" + modelType + "'; supported: "
                    + String.join(", ", TYPES));
        }
        for (int[] kv : new int[][] {{vocabSize}, {hiddenSize}, {numLayers}, {numHeads}, {intermediateSize},
                {maxPositionEmbeddings}, {typeVocabSize}}) {
            if (kv[0] <= 0) {
                throw new IllegalArgumentException("encoder sizes must be > 0, found " + kv[0] + " in " + modelType
                        + " config");
            }
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size (" + hiddenSize + ") must be divisible by"
                    + " num_attention_heads (" + numHeads + ")");
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be > 0, found " + layerNormEps);
        }
    }

    /** Whether positions follow RoBERTa (offset by the padding index, padding keeps the padding position). */
    public boolean robertaPositions() {
        return !modelType.equals("bert");
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Longest input the positions table allows (RoBERTa loses padTokenId + 1 rows to the offset). */
    public int maxTokens() {
        return robertaPositions() ? maxPositionEmbeddings - padTokenId - 1 : maxPositionEmbeddings;
    }

    /** Reads {@code config.json} strictly ({@link ConfigJson}); every error names the file. */
    public static EncoderConfig load(Path configJson) throws IOException {
        return ConfigJson.bind(configJson, ConfigJson.read(configJson, "an encoder directory needs config.json"),
                EncoderConfig::fromJson);
    }

    /** Maps a parsed {@code config.json}; values are typed strictly, none coerced. */
    public static EncoderConfig fromJson(JsonNode n) {
        String type = Objects.requireNonNullElse(ConfigJson.text(n, "model_type", "model_type"), "");
        String act = Objects.requireNonNullElse(ConfigJson.text(n, "hidden_act", "hidden_act"), "gelu");
        if (!act.equals("gelu")) {
            throw new KeyException("hidden_act", "unsupported hidden_act '" + act + "'; supported: gelu");
        }
        String pos = Objects.requireNonNullElse(ConfigJson.text(n, "position_embedding_type",
                "position_embedding_type"), "absolute");
        if (!pos.equals("absolute")) {
            throw new KeyException("position_embedding_type", "unsupported position_embedding_type '" + pos
                    + "'; supported: absolute");
        }
        return new EncoderConfig(type, req(n, "vocab_size"), req(n, "hidden_size"), req(n, "num_hidden_layers"),
                req(n, "num_attention_heads"), req(n, "intermediate_size"), opt(n, "max_position_embeddings", 512),
                opt(n, "type_vocab_size", 2),
                Objects.requireNonNullElse(ConfigJson.number(n, "layer_norm_eps", "layer_norm_eps"), 1e-12),
                opt(n, "pad_token_id", type.equals("bert") ? 0 : 1));
    }

    private static int req(JsonNode n, String key) {
        return ConfigJson.required(ConfigJson.integer(n, key, key), key);
    }

    private static int opt(JsonNode n, String key, int dflt) {
        return Objects.requireNonNullElse(ConfigJson.integer(n, key, key), dflt);
    }

    /** A config.json transformers loads into the matching *Model class. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        String cls = switch (modelType) {
            case "bert" -> "BertModel";
            case "roberta" -> "RobertaModel";
            default -> "XLMRobertaModel";
        };
        o.putArray("architectures").add(cls);
        o.put("model_type", modelType);
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("intermediate_size", intermediateSize);
        o.put("hidden_act", "gelu");
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("type_vocab_size", typeVocabSize);
        o.put("layer_norm_eps", layerNormEps);
        o.put("pad_token_id", padTokenId);
        o.put("position_embedding_type", "absolute");
        o.put("hidden_dropout_prob", 0.1);
        o.put("attention_probs_dropout_prob", 0.1);
        o.put("initializer_range", 0.02);
        o.put("torch_dtype", "float32");
        return o;
    }
}
