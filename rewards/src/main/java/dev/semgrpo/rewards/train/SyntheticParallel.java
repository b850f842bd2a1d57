package dev.semgrpo.rewards.train;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.encoder.EncoderConfig;
import dev.semgrpo.model.encoder.TransformerEncoder;
import dev.semgrpo.rewards.encoder.Pooling;
import dev.semgrpo.rewards.encoder.SentenceTransformerWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Offline stand-in for a parallel corpus: two made-up languages over the same concepts (language A writes concept
 * c as "a{c}", language B as "b{perm(c)}"), a WordLevel tokenizer for them and a random tiny BERT encoder. A random
 * encoder cannot match the two (disjoint vocabularies); contrastive training on pairs can. Tests, the offline demo
 * and the benchmarks use it.
 */
public final class SyntheticParallel {
    public static final int CONCEPTS = 60;

    private SyntheticParallel() {
    }

    /** {@code n} pairs of 5-concept sentences, reproducible from {@code seed}. */
    public static List<EmbedderTrainer.Pair> pairs(int n, long seed) {
        Random r = new Random(seed);
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < CONCEPTS; i++) {
            perm.add(i);
        }
        Collections.shuffle(perm, new Random(99));
        List<EmbedderTrainer.Pair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder a = new StringBuilder();
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < 5; k++) {
                int c = r.nextInt(CONCEPTS);
                a.append(k > 0 ? " " : "").append("a").append(c);
                b.append(k > 0 ? " " : "").append("b").append(perm.get(c));
            }
            out.add(new EmbedderTrainer.Pair(a.toString(), b.toString()));
        }
        return out;
    }

    /** A WordLevel tokenizer.json with [CLS] ... [SEP] around each text. */
    public static void writeTokenizer(Path file) throws IOException {
        List<String> vocab = new ArrayList<>(WordEncoders.SPECIALS);
        for (int c = 0; c < CONCEPTS; c++) {
            vocab.add("a" + c);
        }
        for (int c = 0; c < CONCEPTS; c++) {
            vocab.add("b" + c);
        }
        ObjectNode whitespace = new ObjectMapper().createObjectNode().put("type", "Whitespace");
        WordEncoders.writeWordLevel(file, vocab, whitespace, false);
    }

    /** A random tiny BERT sentence encoder (mean pooling, normalised) over that tokenizer. */
    public static Path randomEncoder(Path dir, long seed) throws IOException {
        Path tok = dir.resolve("tokenizer-src/tokenizer.json");
        writeTokenizer(tok);
        EncoderConfig cfg = new EncoderConfig("bert", 4 + 2 * CONCEPTS, 32, 2, 4, 64, 64, 2, 1e-12, 0);
        try (TransformerEncoder enc = TransformerEncoder.randomInit(cfg, seed, 0.2, Device.cpu(), DataType.FLOAT32)) {
            SentenceTransformerWriter.write(dir.resolve("encoder"), enc, tok, List.of(Pooling.MEAN), List.of(), true, 32,
                    Map.of());
        }
        return dir.resolve("encoder");
    }
}
