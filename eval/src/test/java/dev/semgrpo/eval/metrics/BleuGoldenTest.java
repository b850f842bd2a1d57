package dev.semgrpo.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Differential test against sacreBLEU 2.6.0: {@code bleu/sacrebleu-options.jsonl} holds random small corpora with
 * random smoothing (none, exp, floor, add-k, with default or given smooth_value), effective order, tokenizer and
 * case, and sacreBLEU's corpus score, per-segment sentence scores and signature ({@code scripts/make-bleu-golden}
 * regenerates the file). Each record goes through the metric spec, as a task config gives it.
 */
class BleuGoldenTest {
    @Test
    void everyCorpusMatchesSacrebleu() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> mismatches = new ArrayList<>();
        int n = 0;
        try (InputStream in = BleuGoldenTest.class.getResourceAsStream("/bleu/sacrebleu-options.jsonl");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                n++;
                JsonNode rec = json.readTree(line);
                String spec = "bleu:tok=" + rec.get("tok").asText() + ",lc=" + rec.get("lc").asBoolean()
                        + ",smooth=" + rec.get("smooth").asText()
                        + (rec.get("smooth_value").isNull() ? "" : ",smooth_value=" + rec.get("smooth_value").asText())
                        + ",eff=" + rec.get("eff").asBoolean();
                BleuMetric bleu = (BleuMetric) TextMetrics.parse(spec);
                List<String> hyps = new ArrayList<>();
                rec.get("hyps").forEach(h -> hyps.add(h.asText()));
                List<List<String>> refs = new ArrayList<>();
                rec.get("refs").forEach(rs -> {
                    List<String> l = new ArrayList<>();
                    rs.forEach(x -> l.add(x.asText()));
                    refs.add(l);
                });
                List<ExampleRecord> records = Records.score(bleu, hyps, refs);
                MetricResult result = bleu.summarize(records);
                check(mismatches, spec + " corpus", rec.get("corpus").asDouble(), result.value());
                for (int i = 0; i < hyps.size(); i++) {
                    check(mismatches, spec + " sentence " + i, rec.get("sentences").get(i).asDouble(),
                            records.get(i).score(bleu.name()));
                }
                String signature = result.signature().replace("|version:2.x-compat", "");
                if (!signature.equals(rec.get("signature").asText())) {
                    mismatches.add(spec + " signature " + signature + ", sacreBLEU " + rec.get("signature").asText());
                }
            }
        }
        assertEquals(200, n, "records in the golden file");
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches, first: "
                + mismatches.subList(0, Math.min(5, mismatches.size())));
    }

    private static void check(List<String> out, String what, double expected, double actual) {
        if (!(Math.abs(expected - actual) <= 1e-9 * Math.max(1, Math.abs(expected)))) {
            out.add(what + ": sacreBLEU " + expected + ", here " + actual);
        }
    }
}
