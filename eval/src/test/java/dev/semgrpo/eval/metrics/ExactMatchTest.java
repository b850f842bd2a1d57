package dev.semgrpo.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExactMatchTest {
    private static final String GOLD = "Natalia sold 48/2 = 24 clips in May.\nShe sold 48+24 = 72 clips.\n#### 1,072";

    @Test
    void gsm8kStrictMatch() {
        ExactMatch em = ExactMatch.gsm8k();
        // the reference loses everything up to "#### " and its comma; the output's "#### " answer is extracted
        assertEquals(1.0, em.match("First 48 ... so the total is 1072.\n#### 1,072", List.of(GOLD)), 0);
        assertEquals(1.0, em.match("#### 1072.", List.of(GOLD)), 0, "a trailing period is ignored");
        assertEquals(0.0, em.match("The answer is 1072", List.of(GOLD)), 0, "strict: no '#### ', no answer");
        assertEquals(ExactMatch.INVALID, em.extractOutput("The answer is 1072"));
        assertEquals(0.0, em.match("#### $1,072", List.of(GOLD)), 0, "the strict pattern has no '$'");
        assertEquals(0.0, em.match("#### 1,073", List.of(GOLD)), 0);
        assertEquals("1,072", em.extractOutput("#### 1,072 #### 5"), "the first match counts");
    }

    @Test
    void flexibleExtractTakesTheLastNumber() {
        ExactMatch em = new ExactMatch(ExactMatch.Extraction.preset("last_number"), null, false, false,
                List.of(",", "\\$", "\\.$"));
        String out = "First I thought $1,234.00 but no: it is $1,250.";
        assertEquals("$1,250.", em.extractOutput(out));
        assertEquals(1.0, em.match(out, List.of("1250")), 0);
        assertEquals(0.0, em.match(out, List.of("1234")), 0);
        assertEquals("7", em.extractOutput("so 7"), "the second alternative (single digit) is taken");
        assertEquals(ExactMatch.INVALID, em.extractOutput("no digits here"));
    }

    @Test
    void caseAndPunctuationOptions() {
        ExactMatch plain = new ExactMatch();
        assertEquals(0.0, plain.match("Paris!", List.of("paris")), 0);
        ExactMatch loose = new ExactMatch(null, null, true, true, List.of());
        assertEquals(1.0, loose.match("Paris!", List.of("paris")), 0);
        assertEquals(1.0, loose.match("Paris!", List.of("Rome", "PARIS")), 0, "any reference");
        // ignored regexes apply before lowercasing: "X" is not deleted by "x"
        ExactMatch order = new ExactMatch(null, null, true, false, List.of("x"));
        assertEquals("x1", order.normalize("X1"));
    }

    @Test
    void customPatternsAndReferenceExtraction() {
        TextMetric m = TextMetrics.parse("exact_match:pattern='The answer is (\\-?[0-9\\.\\,]+).',"
                + "ref_extract=gsm8k,ignore=',',ignore='\\.$'");
        List<ExampleRecord> records = Records.score(m,
                List.of("Let's think. The answer is 1,072.", "The answer is 5.", "I don't know"),
                List.of(List.of(GOLD), List.of("#### 6"), List.of("#### 1")));
        assertEquals(1.0, records.get(0).score(m.name()), 0);
        assertEquals(0.0, records.get(1).score(m.name()), 0);
        assertEquals(0.0, records.get(2).score(m.name()), 0);
        MetricResult r = m.summarize(records);
        assertEquals(1.0 / 3, r.value(), 1e-12);
        assertEquals(r.value(), r.aggregate().compute(records), 1e-12);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.score("x", List.of("72"), new java.util.HashMap<>(), new java.util.HashMap<>()));
        assertTrue(e.getMessage().contains("does not match the reference pattern"), e.getMessage());

        ExactMatch groups = new ExactMatch(ExactMatch.Extraction.of("(a+)|(b+)", false), null, false, false,
                List.of());
        assertEquals("bb", groups.extractOutput("xbbx"), "the first non-empty group of the match");
    }
}
