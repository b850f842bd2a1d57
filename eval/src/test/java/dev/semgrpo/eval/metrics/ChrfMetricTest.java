package dev.semgrpo.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Effective-order values are sacreBLEU's test_chrf.py {@code test_cases_effective_order} (beta 3). */
class ChrfMetricTest {
    private static double corpus(ChrfMetric m, List<String> hyps, List<String> refs) {
        return m.corpus(hyps, refs.stream().map(List::of).toList());
    }

    @Test
    void sacrebleuEffectiveOrderCases() {
        ChrfMetric beta3 = new ChrfMetric(6, 0, 3, false);
        assertEquals(100.0, corpus(beta3, List.of("a"), List.of("a")), 1e-4);
        assertEquals(0.0, corpus(beta3, List.of(""), List.of("reference")), 1e-4);
        assertEquals(100.0, corpus(beta3, List.of("a b c"), List.of("a b c")), 1e-4);
        assertEquals(100.0, corpus(beta3, List.of("a b c"), List.of("abc")), 1e-4);
        assertEquals(0.0, corpus(beta3, List.of(""), List.of("c")), 1e-4);
        assertEquals(50.0, corpus(beta3, List.of("a", "b"), List.of("a", "c")), 1e-4);
        assertEquals(25.0, corpus(beta3, List.of("aa"), List.of("ab")), 1e-4);
        assertEquals("chrf:beta=3", beta3.name());
    }

    @Test
    void summarizeRecomputesTheCorpusScore() {
        ChrfMetric beta3 = new ChrfMetric(6, 0, 3, false);
        List<ExampleRecord> records = Records.score(beta3, List.of("a", "b"), List.of(List.of("a"), List.of("c")));
        MetricResult r = beta3.summarize(records);
        assertEquals(50.0, r.value(), 1e-4, "corpus chrF sums statistics; it is not the mean of 100 and 0");
        assertInstanceOf(Aggregate.CorpusChrf.class, r.aggregate());
        assertEquals(r.value(), r.aggregate().compute(records), 1e-12);
        assertEquals(100.0, records.get(0).score("chrf:beta=3"), 1e-9);
        assertEquals("nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.x-compat", r.signature());
    }

    @Test
    void chrfPlusPlusOnChineseByHand() {
        ChrfMetric pp = ChrfMetric.chrfPlusPlus();
        // 我爱你 vs 我爱他, no spaces: char 1-grams P=R=2/3, 2-grams 1/2, 3-grams 0; orders 4..6 have no reference
        // n-grams (not effective); one word each, word 1-gram 0, no word bigrams. Effective orders 4:
        // P = R = (2/3 + 1/2 + 0 + 0) / 4 = 7/24, and F_beta of P = R is P: 29.1667.
        assertEquals(100.0 * 7 / 24, pp.sentence("我爱你", List.of("我爱他")), 1e-4);
        // With spaces the words are the characters: word 1-grams 2/3, word 2-grams ("我 爱" matches) 1/2; five
        // effective orders: P = R = (2/3 + 1/2 + 0 + 2/3 + 1/2) / 5 = 7/15: 46.6667.
        assertEquals(100.0 * 7 / 15, pp.sentence("我 爱 你", List.of("我 爱 他")), 1e-4);
        // chrF (no word orders) ignores the spaces: (2/3 + 1/2 + 0) / 3 = 7/18.
        assertEquals(100.0 * 7 / 18, ChrfMetric.chrf().sentence("我 爱 你", List.of("我爱他")), 1e-4);

        List<ExampleRecord> records = Records.score(pp, List.of("我 爱 你"), List.of(List.of("我 爱 他")));
        MetricResult r = pp.summarize(records);
        assertEquals("chrf++", r.name());
        assertEquals(100.0 * 7 / 15, r.value(), 1e-4);
        assertEquals("nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.x-compat", r.signature());
    }

    @Test
    void lowercaseAndBestReference() {
        ChrfMetric lc = new ChrfMetric(6, 0, 2, true);
        assertEquals(100.0, lc.sentence("ABC", List.of("abc")), 1e-9);
        assertEquals("chrf:lc=true", lc.name());
        assertEquals(100.0, ChrfMetric.chrf().sentence("xyz", List.of("abc", "xyz")), 1e-9);
        assertEquals("nrefs:2|case:lc|eff:yes|nc:6|nw:0|space:no|version:2.x-compat",
                lc.summarize(Records.score(lc, List.of("x"), List.of(List.of("x", "y")))).signature());
    }
}
