package dev.semgrpo.rewards.encoder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.encoder.EncoderConfig;
import dev.semgrpo.model.encoder.TransformerEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Writes a sentence-transformers directory (transformer at the root, {@code 1_Pooling}, optional
 * {@code 2_Normalize}) that both semgrpo and the sentence-transformers library load.
 */
public final class SentenceTransformerWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SentenceTransformerWriter() {
    }

    /**
     * @param dense Dense module folders to copy after the pooling (frozen, as they were), or empty
     */
    public static void write(Path dir, TransformerEncoder encoder, Path tokenizerJson, List<Pooling> pooling,
            List<Path> dense, boolean normalize, int maxSeqLength, Map<String, String> prompts) throws IOException {
        Files.createDirectories(dir);
        encoder.save(dir);
        if (!tokenizerJson.toAbsolutePath().normalize().equals(dir.resolve("tokenizer.json").toAbsolutePath()
                .normalize())) {
            Files.copy(tokenizerJson, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            for (String extra : List.of("tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
                    "sentencepiece.bpe.model")) {
                Path src = tokenizerJson.resolveSibling(extra);
                if (Files.isRegularFile(src)) {
                    Files.copy(src, dir.resolve(extra), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        ArrayNode modules = JSON.createArrayNode();
        modules.addObject().put("idx", 0).put("name", "0").put("path", "")
                .put("type", "sentence_transformers.models.Transformer");
        modules.addObject().put("idx", 1).put("name", "1").put("path", "1_Pooling")
                .put("type", "sentence_transformers.models.Pooling");
        Files.createDirectories(dir.resolve("1_Pooling"));
        ObjectNode pc = JSON.createObjectNode();
        pc.put("word_embedding_dimension", encoder.config().hiddenSize());
        for (Pooling p : Pooling.values()) {
            pc.put(p.key(), pooling.contains(p));
        }
        pc.put("pooling_mode_weightedmean_tokens", false);
        pc.put("include_prompt", true);
        write(dir.resolve("1_Pooling/config.json"), pc);
        int idx = 2;
        for (Path d : dense) {
            String name = idx + "_Dense";
            Path target = dir.resolve(name);
            Files.createDirectories(target);
            try (var files = Files.list(d)) {
                for (Path f : files.toList()) {
                    if (Files.isRegularFile(f)) {
                        Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            modules.addObject().put("idx", idx).put("name", String.valueOf(idx)).put("path", name)
                    .put("type", "sentence_transformers.models.Dense");
            idx++;
        }
        if (normalize) {
            String name = idx + "_Normalize";
            Files.createDirectories(dir.resolve(name));
            modules.addObject().put("idx", idx).put("name", String.valueOf(idx)).put("path", name)
                    .put("type", "sentence_transformers.models.Normalize");
        }
        write(dir.resolve("modules.json"), modules);
        ObjectNode sbc = JSON.createObjectNode();
        sbc.put("max_seq_length", maxSeqLength);
        sbc.put("do_lower_case", false);
        write(dir.resolve("sentence_bert_config.json"), sbc);
        ObjectNode cst = JSON.createObjectNode();
        ObjectNode pr = cst.putObject("prompts");
        prompts.forEach(pr::put);
        cst.putNull("default_prompt_name");
        cst.put("similarity_fn_name", "cosine");
        write(dir.resolve("config_sentence_transformers.json"), cst);
    }

    private static void write(Path p, Object json) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(p.toFile(), json);
    }

    /**
     * Imports an ONNX export of a BERT-family encoder as a sentence-transformers directory the native path loads.
     * Sizes come from the weights; the head count, LayerNorm epsilon and family are not in the weights and are given.
     */
    public static EncoderConfig importOnnx(Path onnx, Path tokenizerJson, String modelType, int heads, double eps,
            List<Pooling> pooling, boolean normalize, int maxSeqLength, Path out) throws IOException {
        Map<String, OnnxWeights.Tensor> w = OnnxWeights.read(onnx);
        OnnxWeights.Tensor words = w.get("embeddings.word_embeddings.weight");
        if (words == null) {
            throw new IOException(onnx + ": no 'embeddings.word_embeddings.weight' initializer; is it a BERT-family"
                    + " export?");
        }
        int layers = 0;
        while (w.containsKey("encoder.layer." + layers + ".attention.self.query.weight")) {
            layers++;
        }
        if (layers == 0) {
            throw new IOException(onnx + ": no encoder.layer.0.attention.self.query weight found among "
                    + w.keySet().size() + " initializers");
        }
        EncoderConfig cfg = new EncoderConfig(modelType, (int) words.shape()[0], (int) words.shape()[1], layers, heads,
                (int) w.get("encoder.layer.0.intermediate.dense.weight").shape()[0],
                (int) w.get("embeddings.position_embeddings.weight").shape()[0],
                (int) w.get("embeddings.token_type_embeddings.weight").shape()[0], eps,
                modelType.equals("bert") ? 0 : 1);
        Map<String, float[]> arrays = new java.util.LinkedHashMap<>();
        w.forEach((k, v) -> arrays.put(k, v.values()));
        try (TransformerEncoder enc = TransformerEncoder.fromArrays(cfg, arrays, ai.djl.Device.cpu())) {
            write(out, enc, tokenizerJson, pooling, List.of(), normalize, maxSeqLength, Map.of());
        }
        return cfg;
    }
}
