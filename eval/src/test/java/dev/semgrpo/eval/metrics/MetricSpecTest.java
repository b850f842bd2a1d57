package dev.semgrpo.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricSpecTest {
    @Test
    void namesMapToMetricsAndCanonicalNamesRoundTrip() {
        String[][] cases = {
            {"bleu", "bleu"},
            {"bleu:tok=zh", "bleu:tok=zh"},
            {"bleu:tok=char", "bleu:tok=char"},
            {"bleu: smooth = none , tok=none", "bleu:tok=none,smooth=none"},
            {"bleu:tok=13a,lc=false", "bleu"},
            {"bleu:smooth=floor,smooth_value=0.1", "bleu:smooth=floor"},
            {"bleu:eff=true,smooth_value=0.5,smooth=add-k", "bleu:smooth=add-k,smooth_value=0.5,eff=true"},
            {"bleu:smooth=exp,eff=false", "bleu"},
            {"chrf", "chrf"},
            {"chrf++", "chrf++"},
            {"chrf:nw=2", "chrf++"},
            {"chrf++:beta=1,nc=4,lc=true", "chrf++:nc=4,beta=1,lc=true"},
            {"rouge_l", "rouge_l"},
            {"rouge_l:tok=whitespace", "rouge_l:tok=whitespace"},
            {"squad_em", "squad_em"},
            {"cmrc_f1", "cmrc_f1"},
            {"exact_match", "exact_match"},
            {"exact_match:extract=last_number,ignore=',',ignore='\\$'",
                "exact_match:extract=last_number,ignore=',',ignore='\\$'"},
            {"exact_match:pattern='a, b: ''c''',select=last", "exact_match:pattern='a, b: ''c''',select=last"},
        };
        for (String[] c : cases) {
            TextMetric m = TextMetrics.parse(c[0]);
            assertEquals(c[1], m.name(), c[0]);
            assertEquals(m.name(), TextMetrics.parse(m.name()).name(), "round trip of " + c[0]);
        }
        assertInstanceOf(BleuMetric.class, TextMetrics.parse("bleu:tok=zh"));
        assertInstanceOf(ChrfMetric.class, TextMetrics.parse("chrf++"));
        assertInstanceOf(RougeL.class, TextMetrics.parse("rouge_l"));
        assertInstanceOf(QaMetrics.class, TextMetrics.parse("squad_f1"));
        assertEquals(ExactMatch.gsm8k().name(), TextMetrics.parse("gsm8k").name());
        assertEquals(ExactMatch.gsm8k().name(), TextMetrics.parse(ExactMatch.gsm8k().name()).name());
        ExactMatch quoted = (ExactMatch) TextMetrics.parse("exact_match:pattern='a, b: ''c'''");
        assertEquals("a, b: 'c'", quoted.extractOutput("xx a, b: 'c' yy"));
    }

    @Test
    void errorsNameTheSpecTheProblemAndTheChoices() {
        assertMessage("blue:tok=zh", "unknown metric 'blue'", "known metrics: bleu, chrf");
        assertMessage("bleu:tokenize=zh", "has no option 'tokenize'", "tok (13a|zh|char|none");
        assertMessage("bleu:tok=intl", "option 'tok' must be one of 13a, zh, char, none; found 'intl'");
        assertMessage("bleu:lc=maybe", "option 'lc' must be true or false, found 'maybe'");
        assertMessage("bleu:tok=zh,tok=char", "option 'tok' is given 2 times");
        assertMessage("bleu:tok", "option 'tok' has no '=value'");
        assertMessage("bleu:smooth=add_k", "option 'smooth' must be one of exp, none, floor, add-k; found 'add_k'");
        assertMessage("bleu:smooth_value=0.5", "option 'smooth_value' applies only to smooth=floor or smooth=add-k, "
                + "found smooth=exp");
        assertMessage("bleu:smooth=none,smooth_value=0.5", "found smooth=none");
        assertMessage("bleu:smooth=floor,smooth_value=0", "option 'smooth_value' must be a positive number, found '0'");
        assertMessage("bleu:smooth=add-k,smooth_value=x", "option 'smooth_value' must be a positive number, found 'x'");
        assertMessage("bleu:eff=maybe", "option 'eff' must be true or false, found 'maybe'");
        assertMessage("bleu:effective_order=true", "has no option 'effective_order'", "eff (true|false");
        assertMessage("chrf:nc=0", "option 'nc' must be an integer >= 1, found 0");
        assertMessage("chrf:beta=-1", "option 'beta' must be a positive number, found '-1'");
        assertMessage("squad_em:x=1", "metric 'squad_em' takes no options, found 'x'");
        assertMessage("exact_match:pattern='(a'", "is not a valid regex");
        assertMessage("exact_match:pattern='a", "has no closing quote");
        assertMessage("exact_match:extract=gsm8k,pattern='a'", "either extract or pattern");
        assertMessage("exact_match:select=last", "option 'select' needs extract or pattern");
        assertMessage("exact_match:extract=math", "unknown extraction preset 'math'");
        assertMessage(" ", "empty metric spec");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextMetrics.parseAll(List.of("chrf++", "bleu", "chrf:nw=2")));
        assertTrue(e.getMessage().contains("'chrf++' and 'chrf:nw=2' both name the metric 'chrf++'"), e.getMessage());
    }

    private static void assertMessage(String spec, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextMetrics.parse(spec));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + spec + "': " + e.getMessage());
        }
        if (!spec.isBlank()) {
            assertTrue(e.getMessage().contains("'" + spec.strip() + "'"), "the spec is quoted: " + e.getMessage());
        }
    }

    @Test
    void aTaskRunsEveryMetricUniformly() {
        List<TextMetric> metrics = TextMetrics.parseAll(List.of("bleu", "bleu:tok=char", "chrf", "chrf++",
                "rouge_l", "rouge_l:tok=whitespace", "squad_em", "squad_f1", "cmrc_f1", "exact_match"));
        List<String> outputs = List.of("The cat sat on the mat.", "北京大学", "ཤིས་བདེ་ལེགས");
        List<List<String>> refs = List.of(List.of("The cat is on the mat."), List.of("北京", "北京大学"),
                List.of("བཀྲ་ཤིས་བདེ་ལེགས"));
        List<ExampleRecord> records = Records.score(metrics, outputs, refs);
        int[] counts = {0, 2, 1};
        for (TextMetric m : metrics) {
            MetricResult r = m.summarize(records);
            assertEquals(m.name(), r.name());
            assertEquals(r.value(), r.aggregate().compute(records), 1e-12, m.name());
            assertTrue(r.signature() != null && r.signature().startsWith("nrefs:"), m.name());
            for (ExampleRecord e : records) {
                double s = e.score(m.name());
                assertTrue(s >= 0 && s <= 100 + 1e-9, m.name() + " " + s);
            }
            // a resample with counts {0, 2, 1} equals the metric over the records [1, 1, 2]
            List<ExampleRecord> drawn = List.of(records.get(1), records.get(1), records.get(2));
            assertEquals(m.summarize(drawn).value(), r.aggregate().compute(records, counts), 1e-9, m.name());
        }
        assertEquals(100.0, records.get(1).score("squad_em"), 0, "max over golds");
        assertEquals(0.0, records.get(0).score("exact_match"), 0);
    }
}
