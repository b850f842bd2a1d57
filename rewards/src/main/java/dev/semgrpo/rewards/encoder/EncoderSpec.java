package dev.semgrpo.rewards.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a sentence-transformers directory says about its pipeline: where the transformer is, the pooling modes,
 * optional Dense layers (LaBSE), whether outputs are normalised, the maximum sequence length and named prompts.
 * A plain HF directory without {@code modules.json} gets the given default pooling and no normalisation.
 *
 * @param transformerDir folder with config.json, weights and tokenizer.json
 * @param pooling modes, concatenated in {@link Pooling} order
 * @param includePrompt whether prompt tokens take part in pooling
 * @param dense Dense module folders, in order
 * @param normalize whether a Normalize module ends the pipeline
 * @param maxSeqLength longest input in tokens (specials included); longer inputs are truncated and counted
 * @param prompts named prefixes from config_sentence_transformers.json
 * @param defaultPrompt name of the prompt applied when none is chosen, or null
 */
public record EncoderSpec(Path transformerDir, List<Pooling> pooling, boolean includePrompt, List<Path> dense,
        boolean normalize, int maxSeqLength, Map<String, String> prompts, String defaultPrompt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public EncoderSpec {
        pooling = List.copyOf(pooling);
        dense = List.copyOf(dense);
        prompts = Map.copyOf(prompts);
        if (pooling.isEmpty()) {
            throw new IllegalArgumentException("at least one pooling mode is needed");
        }
        if (maxSeqLength < 2) {
            throw new IllegalArgumentException("max_seq_length must be >= 2, found " + maxSeqLength);
        }
    }

    /** Reads {@code dir}; {@code defaultPooling} and {@code defaultMax} apply when the directory does not say. */
    public static EncoderSpec read(Path dir, Pooling defaultPooling, int defaultMax) throws IOException {
        Path modules = dir.resolve("modules.json");
        Path transformer = dir;
        List<Pooling> pooling = new ArrayList<>();
        boolean includePrompt = true;
        List<Path> dense = new ArrayList<>();
        boolean normalize = false;
        if (Files.isRegularFile(modules)) {
            JsonNode list = json(modules);
            if (!list.isArray()) {
                throw new IOException(modules + ": expected a list of modules");
            }
            for (JsonNode mod : list) {
                String type = mod.path("type").asText();
                Path path = dir.resolve(mod.path("path").asText(""));
                String simple = type.substring(type.lastIndexOf('.') + 1);
                switch (simple) {
                    case "Transformer" -> transformer = path;
                    case "Pooling" -> {
                        JsonNode pc = json(path.resolve("config.json"));
                        for (Pooling p : Pooling.values()) {
                            if (pc.path(p.key()).asBoolean(false)) {
                                pooling.add(p);
                            }
                        }
                        if (pc.path("pooling_mode_weightedmean_tokens").asBoolean(false)) {
                            throw new IOException(path.resolve("config.json") + ": weighted-mean pooling is not"
                                    + " supported; use mean, cls, max, mean_sqrt_len or lasttoken");
                        }
                        includePrompt = pc.path("include_prompt").asBoolean(true);
                    }
                    case "Dense" -> dense.add(path);
                    case "Normalize" -> normalize = true;
                    default -> throw new IOException(modules + ": module type '" + type + "' is not supported;"
                            + " supported: Transformer, Pooling, Dense, Normalize");
                }
            }
        }
        if (pooling.isEmpty()) {
            pooling.add(defaultPooling);
        }
        int max = defaultMax;
        Path sbc = transformer.resolve("sentence_bert_config.json");
        if (Files.isRegularFile(sbc) && json(sbc).hasNonNull("max_seq_length")) {
            max = json(sbc).get("max_seq_length").asInt();
        }
        Map<String, String> prompts = new LinkedHashMap<>();
        String defaultPrompt = null;
        Path cst = dir.resolve("config_sentence_transformers.json");
        if (Files.isRegularFile(cst)) {
            JsonNode c = json(cst);
            c.path("prompts").fields().forEachRemaining(e -> prompts.put(e.getKey(), e.getValue().asText()));
            defaultPrompt = c.hasNonNull("default_prompt_name") ? c.get("default_prompt_name").asText() : null;
        }
        return new EncoderSpec(transformer, pooling, includePrompt, dense, normalize, max, prompts, defaultPrompt);
    }

    private static JsonNode json(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new IOException(p + ": no such file (named by modules.json)");
        }
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new IOException(p + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The prefix for a prompt name (null: the default prompt, if any). */
    public String prefix(String promptName) {
        String name = promptName != null ? promptName : defaultPrompt;
        if (name == null) {
            return "";
        }
        String p = prompts.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown prompt '" + name + "'; the encoder defines " + prompts.keySet());
        }
        return p;
    }
}
