package dev.semgrpo.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.rewards.text.Bleu;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected values are sacreBLEU's own test-suite values (test_bleu.py, test_sentence_bleu.py, README). */
class BleuMetricTest {
    private static final List<String> HYPS = List.of("The dog bit the man.", "It wasn't surprising.",
            "The man had just bitten him.");
    // two reference streams; segment i has refs stream1[i], stream2[i]
    private static final List<List<String>> REFS = List.of(
            List.of("The dog bit the man.", "The dog had bit the man."),
            List.of("It was not unexpected.", "No one was surprised."),
            List.of("The man bit him first.", "The man had bitten the dog."));

    private static final String RO_REF = "producţia de zahăr brut se exprimă în zahăr alb;";
    private static final String RO_SYS = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";

    @Test
    void corpusBleuWithTwoReferenceStreams() {
        BleuMetric bleu = new BleuMetric();
        List<ExampleRecord> records = Records.score(bleu, HYPS, REFS);
        MetricResult r = bleu.summarize(records);
        assertEquals(48.530827, r.value(), 1e-4);
        assertEquals("bleu", r.name());
        assertInstanceOf(Aggregate.CorpusBleu.class, r.aggregate());
        assertEquals(r.value(), r.aggregate().compute(records), 1e-12, "the aggregate recomputes the value");
        assertEquals("nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.x-compat", r.signature());
        assertEquals(48.530827, bleu.corpus(HYPS, REFS), 1e-4);

        assertEquals(49.1919566, new BleuMetric(Bleu.Tokenize.NONE, false, BleuMetric.Smooth.EXP)
                .corpus(HYPS, REFS), 1e-4);
        BleuMetric none = new BleuMetric(Bleu.Tokenize.T13A, false, BleuMetric.Smooth.NONE);
        assertEquals(48.530827, none.summarize(Records.score(none, HYPS, REFS)).value(), 1e-4);
        assertEquals("bleu:smooth=none", none.name());
        assertEquals(0.0, bleu.summarize(Records.score(bleu, List.of("", "", ""), REFS)).value(), 0);
    }

    @Test
    void bootstrapCountsWeightExamples() {
        BleuMetric bleu = new BleuMetric();
        List<ExampleRecord> records = Records.score(bleu, HYPS, REFS);
        // counts {2, 0, 1} equal the corpus [hyp0, hyp0, hyp2]
        double resampled = bleu.summarize(records).aggregate().compute(records, new int[] {2, 0, 1});
        double direct = bleu.corpus(List.of(HYPS.get(0), HYPS.get(0), HYPS.get(2)),
                List.of(REFS.get(0), REFS.get(0), REFS.get(2)));
        assertEquals(direct, resampled, 1e-12);
    }

    @Test
    void bleuFromStatistics() {
        // sacreBLEU's raw_corpus_bleu test: correct [9,7,5,3], total [10,8,6,4], sys_len 11, ref_len 11
        ExampleRecord e = new ExampleRecord("0", "", "", List.of("r"), null,
                Map.of("bleu", new long[] {9, 7, 5, 3, 10, 8, 6, 4, 11, 11}), null, null);
        assertEquals(83.75922397, new BleuMetric().summarize(List.of(e)).value(), 1e-6);
    }

    @Test
    void statisticsOfOneSegment() {
        long[] s = new BleuMetric().statistics("am I am a character sequence",
                List.of("I am a symbol string sequence a a"));
        assertArrayEquals(new long[] {4, 2, 1, 0}, Arrays.copyOfRange(s, 0, 4), "correct");
        assertArrayEquals(new long[] {6, 5, 4, 3}, Arrays.copyOfRange(s, 4, 8), "total");
    }

    @Test
    void sentenceBleu() {
        BleuMetric exp = new BleuMetric();
        assertEquals(8.493, exp.sentence(RO_SYS, List.of(RO_REF)), 1e-3);
        assertEquals(0.0, new BleuMetric(Bleu.Tokenize.T13A, false, BleuMetric.Smooth.NONE)
                .sentence(RO_SYS, List.of(RO_REF)), 1e-3);
        assertEquals(7.347, new BleuMetric(Bleu.Tokenize.NONE, false, BleuMetric.Smooth.EXP)
                .sentence(RO_SYS, List.of(RO_REF)), 1e-3);
        assertEquals(40.8759, new BleuMetric(Bleu.Tokenize.CHAR, false, BleuMetric.Smooth.EXP)
                .sentence(RO_SYS, List.of(RO_REF)), 1e-3);
        BleuMetric lcChar = new BleuMetric(Bleu.Tokenize.CHAR, true, BleuMetric.Smooth.EXP);
        assertEquals(42.0267, lcChar.sentence(RO_SYS, List.of(RO_REF)), 1e-3);
        assertEquals("bleu:tok=char,lc=true", lcChar.name());
        assertEquals(0.0, exp.sentence("this is a cat", List.of("okay thanks")), 1e-9);

        Map<String, Double> scores = new HashMap<>();
        Map<String, long[]> stats = new HashMap<>();
        lcChar.score(RO_SYS, List.of(RO_REF), scores, stats);
        assertEquals(42.0267, scores.get("bleu:tok=char,lc=true"), 1e-3, "score() stores the sentence BLEU");
        assertEquals(10, stats.get("bleu:tok=char,lc=true").length);
    }

    @Test
    void signatureCountsReferencesAndNamesTheSettings() {
        BleuMetric zh = new BleuMetric(Bleu.Tokenize.ZH, true, BleuMetric.Smooth.NONE);
        List<ExampleRecord> records = Records.score(zh, List.of("我爱你们大家", "你好世界朋友"),
                List.of(List.of("我爱你们大家"), List.of("你好世界朋友", "您好")));
        assertEquals("nrefs:var|case:lc|eff:no|tok:zh|smooth:none|version:2.x-compat",
                zh.summarize(records).signature());
        assertEquals(100.0, zh.summarize(records).value(), 1e-9);
        assertTrue(Double.isNaN(zh.summarize(List.of()).value()));
    }

    @Test
    void missingReferencesAreAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BleuMetric().score("x", List.of(), new HashMap<>(), new HashMap<>()));
        assertTrue(e.getMessage().contains("at least one reference"), e.getMessage());
    }
}
