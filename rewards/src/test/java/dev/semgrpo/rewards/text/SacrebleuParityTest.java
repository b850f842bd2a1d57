package dev.semgrpo.rewards.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Epsilon-smoothed chrF, BLEU's smoothing methods and effective order, sacreBLEU's zh character ranges and Python
 * whitespace; values from sacreBLEU's tests (test_chrf.py, test_bleu.py, test_sentence_bleu.py) or worked by hand.
 */
class SacrebleuParityTest {
    private static double corpus(Chrf chrf, List<String> hyps, List<String> refs) {
        long[] total = new long[3 * chrf.order()];
        for (int i = 0; i < hyps.size(); i++) {
            long[] s = chrf.statistics(hyps.get(i), List.of(refs.get(i)));
            for (int j = 0; j < s.length; j++) {
                total[j] += s[j];
            }
        }
        return chrf.fScore(total);
    }

    @Test
    void epsilonSmoothedChrfMatchesSacrebleuTestCases() {
        // test_chrf.py test_cases: corpus_chrf(char_order=6, word_order=0, beta=3, eps_smoothing=True)
        Chrf eps = new Chrf(6, 0, 3, true);
        assertEquals(0.0, corpus(eps, List.of("abcdefg"), List.of("hijklmnop")), 1e-4);
        assertEquals(0.0, corpus(eps, List.of(""), List.of("reference")), 1e-4);
        assertEquals(8.3333, corpus(eps, List.of("aa"), List.of("ab")), 1e-4);
        assertEquals(8.3333, corpus(eps, List.of("a", "b"), List.of("a", "c")), 1e-4);
        assertEquals(16.6667, corpus(eps, List.of("a"), List.of("a")), 1e-4);
        assertEquals(50.0, corpus(eps, List.of("a b c"), List.of("a b c")), 1e-4);
        assertEquals(50.0, corpus(eps, List.of("a b c"), List.of("abc")), 1e-4);
        assertEquals(63.361730, corpus(eps, List.of(" risk assessment must be made of those who are qualified and "
                + "expertise in the sector - these are the scientists ."), List.of("risk assessment has to be "
                + "undertaken by those who are qualified and expert in that area - that is the scientists .")), 1e-4);
        assertEquals(64.1302698, corpus(eps,
                List.of(" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "),
                List.of("Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.")), 1e-4);
        assertEquals(100.0, corpus(eps, List.of("Niemand hat die Absicht, eine Mauer zu errichten"),
                List.of("Niemand hat die Absicht, eine Mauer zu errichten")), 1e-4);
    }

    @Test
    void sentenceChrfWithEpsilonSmoothingOnCzech() {
        // test_chrf.py test_sentence_level_chrf: sentence_chrf(hyp, refs, eps_smoothing=True), beta 2
        Chrf eps = new Chrf(6, 0, 2, true);
        assertEquals(39.14078509, eps.sentence("Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo "
                + "zemře.", List.of("Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo "
                + "zemře.")), 1e-4);
        assertEquals(31.22557079, eps.sentence("Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
                List.of("A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.")), 1e-4);
        assertEquals(57.15704367, eps.sentence("Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
                List.of("Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.")),
                1e-4);
        // smoothing matters where orders are missing: "aa" vs "ab" is 25 without it (beta 3), 8.3333 with it
        assertEquals(25.0, new Chrf(6, 0, 3).sentence("aa", List.of("ab")), 1e-4);
        assertEquals(8.3333, new Chrf(6, 0, 3, true).sentence("aa", List.of("ab")), 1e-4);
    }

    private static final String RO_REF = "producţia de zahăr brut se exprimă în zahăr alb;";
    private static final String RO_SYS = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";

    private static double sentence(Bleu.Smoothing smoothing, String hyp, String ref) {
        return new Bleu(Bleu.Tokenize.T13A, smoothing, true).sentence(hyp, List.of(ref));
    }

    private static double corpus(Bleu bleu, Bleu.Smoothing smoothing, boolean eff, List<String> hyps,
            List<String> refs) {
        long[] total = new long[2 * Bleu.MAX_ORDER + 2];
        for (int i = 0; i < hyps.size(); i++) {
            long[] s = bleu.statistics(hyps.get(i), List.of(refs.get(i)));
            for (int j = 0; j < s.length; j++) {
                total[j] += s[j];
            }
        }
        return Bleu.score(total, smoothing, eff);
    }

    @Test
    void sentenceBleuWithEachSmoothingMethod() {
        // test_sentence_bleu.py test_cases (13a, effective order), tolerance 1e-3 as there
        assertEquals(8.493, sentence(Bleu.Smoothing.EXP, RO_SYS, RO_REF), 1e-3);
        assertEquals(0.0, sentence(Bleu.Smoothing.NONE, RO_SYS, RO_REF), 1e-3);
        assertEquals(4.51688, sentence(Bleu.Smoothing.of(Bleu.Smooth.FLOOR), RO_SYS, RO_REF), 1e-3);
        assertEquals(4.51688, sentence(new Bleu.Smoothing(Bleu.Smooth.FLOOR, 0.1), RO_SYS, RO_REF), 1e-3);
        assertEquals(10.10, sentence(new Bleu.Smoothing(Bleu.Smooth.FLOOR, 0.5), RO_SYS, RO_REF), 1e-3);
        assertEquals(14.882, sentence(Bleu.Smoothing.of(Bleu.Smooth.ADD_K), RO_SYS, RO_REF), 1e-3);
        assertEquals(14.882, sentence(new Bleu.Smoothing(Bleu.Smooth.ADD_K, 1), RO_SYS, RO_REF), 1e-3);
        assertEquals(21.389, sentence(new Bleu.Smoothing(Bleu.Smooth.ADD_K, 2), RO_SYS, RO_REF), 1e-3);
        // test_cases_zero_bleu (#141): no unigram matches is 0 whatever the smoothing
        for (Bleu.Smooth m : Bleu.Smooth.values()) {
            assertEquals(0.0, sentence(Bleu.Smoothing.of(m), "this is a cat", "okay thanks"), 0, m.label());
        }
    }

    @Test
    void smoothingOfShortHypothesesByHand() {
        // "a b" vs "a c": 1-grams 1/2, 2-grams 0/1, no 3- or 4-grams, equal lengths (BP 1)
        // add-k 1 adds 1 to orders 2-4 even without n-grams: 1/2, 1/2, 1/1, 1/1 over 4 orders
        assertEquals(100 * Math.pow(0.25, 0.25), sentence(Bleu.Smoothing.of(Bleu.Smooth.ADD_K), "a b", "a c"), 1e-9);
        // floor 0.1: 1/2 and 0.1/1; the empty 3-gram order stops effective order at 2
        assertEquals(100 * Math.sqrt(0.05), sentence(Bleu.Smoothing.of(Bleu.Smooth.FLOOR), "a b", "a c"), 1e-9);
        // exp: 1/2 and 1/(2 * 1)
        assertEquals(50.0, sentence(Bleu.Smoothing.EXP, "a b", "a c"), 1e-9);
        // without effective order the empty orders count as precision 0: BLEU 0 for floor, not for add-k
        Bleu tok = new Bleu(Bleu.Tokenize.T13A);
        long[] s = tok.statistics("a b", List.of("a c"));
        assertEquals(0.0, Bleu.score(s, Bleu.Smoothing.of(Bleu.Smooth.FLOOR), false), 1e-12);
        assertEquals(100 * Math.pow(0.25, 0.25), Bleu.score(s, Bleu.Smoothing.of(Bleu.Smooth.ADD_K), false), 1e-9);
        // add-k leaves 1-grams alone: "x b" vs "a c" has no match at all and scores 0
        assertEquals(0.0, sentence(Bleu.Smoothing.of(Bleu.Smooth.ADD_K), "x b", "a c"), 0);
    }

    @Test
    void rawCorpusBleuIsFloorSmoothingWithEffectiveOrder() {
        // test_bleu.py: raw_corpus_bleu = corpus_bleu(smooth_method='floor', tokenize='none',
        // use_effective_order=True); scores there are fractions, here 0..100
        Bleu none = new Bleu(Bleu.Tokenize.NONE);
        Bleu.Smoothing floor01 = new Bleu.Smoothing(Bleu.Smooth.FLOOR, 0.01);
        assertEquals(0.0, corpus(none, floor01, true, List.of("this is a test", "another test"),
                List.of("ref1", "ref2")), 1e-6);
        assertEquals(100.0, corpus(none, floor01, true, List.of("this is a test"), List.of("this is a test")),
                1e-6);
        assertEquals(22.3606797749979, corpus(none, floor01, true, List.of("this is a fest"),
                List.of("this is a test")), 1e-6);
        // test_case_effective_order
        assertEquals(36.78794411714425, corpus(none, floor01, true, List.of("test"), List.of("a test")), 1e-6);
        assertEquals(100.0, corpus(none, floor01, true, List.of("a test"), List.of("a test")), 1e-6);
        assertEquals(3.218297948685433, corpus(none, floor01, true, List.of("a little test"), List.of("a test")),
                1e-6);
        // test_case_offset: the default floor value 0.1
        assertEquals(15.55722182, corpus(none, Bleu.Smoothing.of(Bleu.Smooth.FLOOR), true,
                List.of("am I am a character sequence"), List.of("I am a symbol string sequence a a")), 1e-6);
        // test_degenerate_statistics: [correct, total, sys_len, ref_len] with floor smoothing are all 0
        long[][] degenerate = {{0, 0, 0, 0, 4, 4, 2, 1, 0, 1}, {0, 0, 0, 0, 10, 11, 12, 0, 14, 10},
            {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 1, 5}};
        for (long[] d : degenerate) {
            assertEquals(0.0, Bleu.score(d, floor01, false), 0);
        }
        // ... and [6,5,4,0] over [6,5,4,3] with offset 0 (no smoothing): the 4-gram zero makes BLEU 0
        assertEquals(0.0, Bleu.score(new long[] {6, 5, 4, 0, 6, 5, 4, 3, 6, 6}, Bleu.Smoothing.NONE, false), 0);
    }

    @Test
    void smoothingSignaturesAndValidation() {
        // BLEUSignature: the value with Python's :.2f (half to even on the binary value)
        assertEquals("exp", Bleu.Smoothing.EXP.signature());
        assertEquals("none", Bleu.Smoothing.NONE.signature());
        assertEquals("floor[0.10]", Bleu.Smoothing.of(Bleu.Smooth.FLOOR).signature());
        assertEquals("add-k[1.00]", Bleu.Smoothing.of(Bleu.Smooth.ADD_K).signature());
        assertEquals("add-k[2.00]", new Bleu.Smoothing(Bleu.Smooth.ADD_K, 2).signature());
        assertEquals("floor[0.12]", new Bleu.Smoothing(Bleu.Smooth.FLOOR, 0.125).signature());
        assertEquals("floor[2.67]", new Bleu.Smoothing(Bleu.Smooth.FLOOR, 2.675).signature());
        assertEquals(Bleu.Smooth.ADD_K, Bleu.Smooth.parse("add-k"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bleu.Smooth.parse("add_k"));
        assertTrue(e.getMessage().contains("'add_k'") && e.getMessage().contains("floor or add-k"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Bleu.Smoothing(Bleu.Smooth.FLOOR, 0));
        assertTrue(e.getMessage().contains("must be a finite number > 0, found 0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Bleu.Smoothing(Bleu.Smooth.EXP, 0.5));
        assertTrue(e.getMessage().contains("exp takes no smooth_value"), e.getMessage());
    }

    @Test
    void zhTokenizerUsesSacrebleuRanges() {
        Bleu zh = new Bleu(Bleu.Tokenize.ZH);
        // U+201C/U+201D and the em dash U+2014 fall in sacreBLEU's (mis-written) U+2001..U+2A6D range
        assertEquals(List.of("“", "你", "好", "”", "world", "—", "test"), zh.tokens("“你好”world—test"));
        // ... and supplementary-plane ideographs (U+20000) in none of its ranges
        assertEquals(List.of("a\uD840\uDC00b"), zh.tokens("a\uD840\uDC00b"));
        assertTrue(Bleu.isChinese(0x9FBB));
        assertFalse(Bleu.isChinese(0x9FBC));
        assertFalse(Bleu.isChinese(0x2000));
    }

    @Test
    void whitespaceIsPythonWhitespace() {
        // U+00A0 and U+202F are whitespace to Python's str.split() but not to Java's \s
        assertEquals(List.of("a", "b", "c"), Bleu.splitWhitespace("\u00A0a\u202Fb  c\n"));
        assertEquals(List.of("a", "b"), new Bleu(Bleu.Tokenize.NONE).tokens("a\u00A0b"));
        assertEquals(100.0, Chrf.chrf().sentence("a\u00A0b", List.of("ab")), 1e-9);
    }
}
