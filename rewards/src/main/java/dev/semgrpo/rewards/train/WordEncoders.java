package dev.semgrpo.rewards.train;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.encoder.EncoderConfig;
import dev.semgrpo.model.encoder.TransformerEncoder;
import dev.semgrpo.rewards.encoder.Pooling;
import dev.semgrpo.rewards.encoder.SentenceTransformerWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small sentence encoder built from scratch for languages no pretrained encoder covers here: a word-level
 * vocabulary (words of space-separated scripts, syllables of Tibetan, split at spaces, the tsheg, shad and ASCII
 * punctuation, lowercased; every decimal digit of any script is a unit of its own, so that numbers never fall out
 * of the vocabulary) read off a corpus, and a randomly initialised BERT with mean pooling and normalised
 * output, written as a sentence-transformers directory that {@link EmbedderTrainer} then adapts contrastively.
 */
public final class WordEncoders {
    /** Where text is split into vocabulary units (removed). */
    public static final String SPLIT = "[\\s\\u0F0B\\u0F0C\\u0F0D\\u0F0E\\u0F04\\u0F05\\u0F08\\u0F14"
            + "!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]+";
    private static final Pattern SPLIT_PATTERN = Pattern.compile(SPLIT);
    /** Decimal digits (of every script), each its own unit (isolated). */
    public static final String DIGIT = "\\p{Nd}";
    private static final Pattern DIGIT_PATTERN = Pattern.compile(DIGIT, Pattern.UNICODE_CHARACTER_CLASS);
    static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]");

    private WordEncoders() {
    }

    /**
     * The shape of the random encoder.
     *
     * @param hidden hidden size
     * @param layers transformer layers
     * @param heads attention heads
     * @param intermediate MLP size
     * @param maxPositions longest input in tokens
     * @param minCount keep units seen at least this often
     * @param seed initialisation seed
     */
    public record Shape(int hidden, int layers, int heads, int intermediate, int maxPositions, int minCount, long seed) {
        public Shape {
            if (hidden < 1 || layers < 1 || heads < 1 || hidden % heads != 0 || intermediate < 1 || maxPositions < 4
                    || minCount < 1) {
                throw new IllegalArgumentException("encoder shape needs hidden, layers, heads, intermediate >= 1, "
                        + "hidden divisible by heads, max_positions >= 4, min_count >= 1; found " + this);
            }
        }
    }

    /** The vocabulary units of a text, as the tokenizer splits it. */
    public static List<String> units(String text) {
        List<String> out = new ArrayList<>();
        for (String u : SPLIT_PATTERN.split(text.toLowerCase(Locale.ROOT))) {
            Matcher m = DIGIT_PATTERN.matcher(u);
            int at = 0;
            while (m.find()) {
                if (m.start() > at) {
                    out.add(u.substring(at, m.start()));
                }
                out.add(m.group());
                at = m.end();
            }
            if (at < u.length()) {
                out.add(u.substring(at));
            }
        }
        return out;
    }

    /** Writes the encoder to {@code dir} (a sentence-transformers directory) and returns {@code dir}. */
    public static Path create(Path dir, List<String> corpus, Shape shape) throws IOException {
        Map<String, Integer> counts = new TreeMap<>();
        for (String t : corpus) {
            for (String u : units(t)) {
                counts.merge(u, 1, Integer::sum);
            }
        }
        List<String> vocab = new ArrayList<>(SPECIALS);
        counts.forEach((u, c) -> {
            if (c >= shape.minCount()) {
                vocab.add(u);
            }
        });
        if (vocab.size() == SPECIALS.size()) {
            throw new IllegalArgumentException("the corpus gave no vocabulary units (" + corpus.size() + " texts, "
                    + "min_count " + shape.minCount() + ")");
        }
        Files.createDirectories(dir);
        Path tok = dir.resolve("tokenizer.json");
        writeTokenizer(tok, vocab);
        EncoderConfig cfg = new EncoderConfig("bert", vocab.size(), shape.hidden(), shape.layers(), shape.heads(),
                shape.intermediate(), shape.maxPositions(), 2, 1e-12, 0);
        try (TransformerEncoder enc = TransformerEncoder.randomInit(cfg, shape.seed(), 0.2, Device.cpu(),
                DataType.FLOAT32)) {
            SentenceTransformerWriter.write(dir, enc, tok, List.of(Pooling.MEAN), List.of(), true,
                    shape.maxPositions(), Map.of());
        }
        return dir;
    }

    private static void writeTokenizer(Path file, List<String> vocab) throws IOException {
        ObjectNode seq = new ObjectMapper().createObjectNode();
        seq.put("type", "Sequence");
        ArrayNode steps = seq.putArray("pretokenizers");
        ObjectNode split = steps.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", SPLIT);
        split.put("behavior", "Removed");
        split.put("invert", false);
        ObjectNode digits = steps.addObject();
        digits.put("type", "Split");
        digits.putObject("pattern").put("Regex", DIGIT);
        digits.put("behavior", "Isolated");
        digits.put("invert", false);
        writeWordLevel(file, vocab, seq, true);
    }

    /**
     * A BERT-style word-level tokenizer.json: {@code vocab} (the first four entries [PAD], [UNK], [CLS], [SEP]),
     * the given pre-tokenizer, an optional lowercasing normalizer, and [CLS] ... [SEP] around every text.
     */
    static void writeWordLevel(Path file, List<String> vocab, ObjectNode preTokenizer, boolean lowercase)
            throws IOException {
        if (!vocab.subList(0, SPECIALS.size()).equals(SPECIALS)) {
            throw new IllegalArgumentException("a word-level vocabulary starts with " + SPECIALS + ", found "
                    + vocab.subList(0, Math.min(4, vocab.size())));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.size(); i++) {
            added.addObject().put("id", i).put("content", SPECIALS.get(i)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        if (lowercase) {
            root.putObject("normalizer").put("type", "Lowercase");
        } else {
            root.putNull("normalizer");
        }
        root.set("pre_tokenizer", preTokenizer);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        single.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        pair.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 1);
        ObjectNode st = post.putObject("special_tokens");
        for (String s : List.of("[CLS]", "[SEP]")) {
            ObjectNode t = st.putObject(s);
            t.put("id", s);
            t.putArray("ids").add(SPECIALS.indexOf(s));
            t.putArray("tokens").add(s);
        }
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        model.put("unk_token", "[UNK]");
        ObjectNode v = model.putObject("vocab");
        for (int i = 0; i < vocab.size(); i++) {
            v.put(vocab.get(i), i);
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }
}
