package dev.semgrpo.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Differential test against the official scripts: {@code qa/official-scripts.jsonl} holds random mixed
 * English/Chinese/punctuation/Unicode strings with NLTK 3.8's {@code word_tokenize(text, preserve_line=True)}, SQuAD
 * v1.1's {@code normalize_answer} and CMRC 2018's {@code mixed_segmentation(text, rm_punc=True)} and
 * {@code remove_punctuation}, as Python computed them ({@code scripts/make-qa-golden} regenerates the file).
 */
class QaGoldenTest {
    @Test
    void everyRecordMatchesTheOfficialScripts() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> mismatches = new ArrayList<>();
        int n = 0;
        try (InputStream in = QaGoldenTest.class.getResourceAsStream("/qa/official-scripts.jsonl");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                JsonNode rec = json.readTree(line);
                String text = rec.get("text").asText();
                n++;
                check(mismatches, text, "nltk", strings(rec.get("nltk")), NltkWordTokenizer.tokenize(text));
                check(mismatches, text, "squad", rec.get("squad").asText(), QaMetrics.squadNormalize(text));
                check(mismatches, text, "cmrc", strings(rec.get("cmrc")), QaMetrics.cmrcSegment(text));
                check(mismatches, text, "cmrc_em", rec.get("cmrc_em").asText(),
                        QaMetrics.cmrcRemovePunctuation(text));
            }
        }
        assertEquals(400, n, "records in the golden file");
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches, first: "
                + mismatches.subList(0, Math.min(5, mismatches.size())));
    }

    private static void check(List<String> out, String text, String what, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            out.add(what + " of " + json(text) + ": expected " + expected + ", got " + actual);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(t -> out.add(t.asText()));
        return out;
    }

    private static String json(String text) {
        StringBuilder sb = new StringBuilder("\"");
        text.chars().forEach(c -> sb.append(c < 0x20 || c > 0x7E ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return sb.append('"').toString();
    }
}
