package dev.semgrpo.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
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

        assertEquals(49.1919566, new BleuMetric(Bleu.Tokenize.NONE, false, Bleu.Smoothing.EXP)
                .corpus(HYPS, REFS), 1e-4);
        BleuMetric none = new BleuMetric(Bleu.Tokenize.T13A, false, Bleu.Smoothing.NONE);
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
        assertEquals(0.0, new BleuMetric(Bleu.Tokenize.T13A, false, Bleu.Smoothing.NONE)
                .sentence(RO_SYS, List.of(RO_REF)), 1e-3);
        assertEquals(7.347, new BleuMetric(Bleu.Tokenize.NONE, false, Bleu.Smoothing.EXP)
                .sentence(RO_SYS, List.of(RO_REF)), 1e-3);
        assertEquals(40.8759, new BleuMetric(Bleu.Tokenize.CHAR, false, Bleu.Smoothing.EXP)
                .sentence(RO_SYS, List.of(RO_REF)), 1e-3);
        BleuMetric lcChar = new BleuMetric(Bleu.Tokenize.CHAR, true, Bleu.Smoothing.EXP);
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
        BleuMetric zh = new BleuMetric(Bleu.Tokenize.ZH, true, Bleu.Smoothing.NONE);
        List<ExampleRecord> records = Records.score(zh, List.of("我爱你们大家", "你好世界朋友"),
                List.of(List.of("我爱你们大家"), List.of("你好世界朋友", "您好")));
        assertEquals("nrefs:var|case:lc|eff:no|tok:zh|smooth:none|version:2.x-compat",
                zh.summarize(records).signature());
        assertEquals(100.0, zh.summarize(records).value(), 1e-9);
        assertTrue(Double.isNaN(zh.summarize(List.of()).value()));
    }

    @Test
    void smoothingAndEffectiveOrderOptions() {
        // test_sentence_bleu.py: the per-example score is sentence_bleu with the metric's smoothing
        BleuMetric addK2 = (BleuMetric) TextMetrics.parse("bleu:smooth=add-k,smooth_value=2,eff=true");
        assertEquals("bleu:smooth=add-k,smooth_value=2,eff=true", addK2.name());
        assertEquals(21.389, addK2.sentence(RO_SYS, List.of(RO_REF)), 1e-3);
        BleuMetric floor = (BleuMetric) TextMetrics.parse("bleu:smooth=floor");
        assertEquals("bleu:smooth=floor", floor.name());
        assertEquals(4.51688, floor.sentence(RO_SYS, List.of(RO_REF)), 1e-3);
        List<ExampleRecord> records = Records.score(addK2, List.of(RO_SYS), List.of(List.of(RO_REF)));
        assertEquals(21.389, records.get(0).score(addK2.name()), 1e-3);
        assertEquals("nrefs:1|case:mixed|eff:yes|tok:13a|smooth:add-k[2.00]|version:2.x-compat",
                addK2.summarize(records).signature());
        assertEquals("nrefs:1|case:mixed|eff:no|tok:13a|smooth:floor[0.10]|version:2.x-compat",
                floor.summarize(Records.score(floor, List.of(RO_SYS), List.of(List.of(RO_REF)))).signature());

        // test_bleu.py raw_corpus_bleu: floor 0.01, tokenizer none, effective order, over the corpus
        BleuMetric raw = (BleuMetric) TextMetrics.parse("bleu:tok=none,smooth=floor,smooth_value=0.01,eff=true");
        List<ExampleRecord> fest = Records.score(raw, List.of("this is a fest"), List.of(List.of("this is a test")));
        MetricResult r = raw.summarize(fest);
        assertEquals(22.3606797749979, r.value(), 1e-6);
        assertEquals(r.value(), r.aggregate().compute(fest), 1e-12, "the aggregate carries smoothing and eff");
        assertEquals("nrefs:1|case:mixed|eff:yes|tok:none|smooth:floor[0.01]|version:2.x-compat", r.signature());
        assertEquals(0.0, raw.corpus(List.of("this is a test", "another test"), List.of(List.of("ref1"),
                List.of("ref2"))), 1e-9);
        // effective order changes the corpus score: "test" vs "a test" is exp(1 - 2) with it, 0 without
        assertEquals(100 * Math.exp(-1), raw.corpus(List.of("test"), List.of(List.of("a test"))), 1e-9);
        BleuMetric rawNoEff = (BleuMetric) TextMetrics.parse("bleu:tok=none,smooth=floor,smooth_value=0.01");
        assertEquals(0.0, rawNoEff.corpus(List.of("test"), List.of(List.of("a test"))), 1e-9);
    }

    @Test
    void corpusBleuAggregateReadsOldAndNewSummaries() throws Exception {
        ObjectMapper json = dev.semgrpo.eval.results.EvalResults.JSON;
        Aggregate old = json.readValue("{\"kind\": \"corpus_bleu\", \"stats\": \"bleu\", \"smooth\": \"exp\"}",
                Aggregate.class);
        assertEquals(new Aggregate.CorpusBleu("bleu", "exp", null, false), old);
        Aggregate addK = new Aggregate.CorpusBleu("b", "add-k", null, true);
        assertEquals(1.0, ((Aggregate.CorpusBleu) addK).smoothValue(), 0, "add-k's default value is written out");
        assertEquals(addK, json.readValue(json.writeValueAsString(addK), Aggregate.class));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Aggregate.CorpusBleu("b", "exp", 0.5, false));
        assertTrue(e.getMessage().contains("takes no smooth_value"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Aggregate.CorpusBleu("b", "lin", null, false));
        assertTrue(e.getMessage().contains("'lin'"), e.getMessage());
    }

    @Test
    void bootstrapCountsWeightExamplesWithAddK() {
        BleuMetric addK = (BleuMetric) TextMetrics.parse("bleu:smooth=add-k,eff=true");
        List<ExampleRecord> records = Records.score(addK, HYPS, REFS);
        double resampled = addK.summarize(records).aggregate().compute(records, new int[] {0, 3, 1});
        double direct = addK.corpus(List.of(HYPS.get(1), HYPS.get(1), HYPS.get(1), HYPS.get(2)),
                List.of(REFS.get(1), REFS.get(1), REFS.get(1), REFS.get(2)));
        assertEquals(direct, resampled, 1e-12);
        assertTrue(Math.abs(direct - new BleuMetric().corpus(List.of(HYPS.get(1), HYPS.get(1), HYPS.get(1),
                HYPS.get(2)), List.of(REFS.get(1), REFS.get(1), REFS.get(1), REFS.get(2)))) > 1e-6,
                "add-k differs from exp here");
    }

    @Test
    void missingReferencesAreAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BleuMetric().score("x", List.of(), new HashMap<>(), new HashMap<>()));
        assertTrue(e.getMessage().contains("at least one reference"), e.getMessage());
    }
}
