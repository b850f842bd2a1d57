package dev.semgrpo.rewards.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Epsilon-smoothed chrF, sacreBLEU's zh character ranges and Python whitespace; values from sacreBLEU's tests. */
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
