package dev.semgrpo.rewards.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.rewards.encoder.EncoderTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordEncodersTest {
    @TempDir
    Path dir;

    @Test
    void everyDigitIsItsOwnUnitInJavaAndInTheWrittenTokenizer() throws IOException {
        assertEquals(List.of("article", "3", "4", "2", "དོན", "ཚན", "༣", "༤", "༢", "x", "7", "y"),
                WordEncoders.units("Article 342: དོན་ཚན་༣༤༢། x7y"));
        // a number never seen whole is still made of known units
        Path enc = WordEncoders.create(dir.resolve("enc"), List.of("12 ༡༢", "305 ༣༠༥", "Article དོན་ཚན།"),
                new WordEncoders.Shape(8, 1, 2, 16, 32, 1, 1));
        JsonNode vocab = Jsonl.JSON.readTree(enc.resolve("tokenizer.json").toFile()).get("model").get("vocab");
        String text = "Article 531 ༥༣༡ unseen";
        List<String> units = WordEncoders.units(text);
        long[] want = new long[units.size() + 2];
        want[0] = vocab.get("[CLS]").asLong();
        for (int i = 0; i < units.size(); i++) {
            JsonNode id = vocab.get(units.get(i));
            want[i + 1] = id == null ? vocab.get("[UNK]").asLong() : id.asLong();
        }
        want[want.length - 1] = vocab.get("[SEP]").asLong();
        try (EncoderTokenizer tok = new EncoderTokenizer(enc.resolve("tokenizer.json"), 32)) {
            assertArrayEquals(want, tok.encode(text), "the tokenizer.json splits as WordEncoders.units does");
        }
        assertEquals(vocab.get("[UNK]").asLong(), want[want.length - 2], "'unseen' is unknown");
        assertEquals(vocab.get("༥").asLong(), want[5], "the digits of an unseen number are known");
    }
}
