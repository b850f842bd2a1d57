package dev.semgrpo.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.semgrpo.rewards.text.Bleu;
import dev.semgrpo.rewards.text.Chrf;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextMetricsTest {
    @Test
    void chrfByHand() {
        // 1-grams 2/3, 2-grams 1/2, 3-grams 0/1; orders 4-6 have no n-grams: P = R = 7/18, F = P
        assertEquals(100.0 * 7 / 18, Chrf.chrf().sentence("abc", List.of("abd")), 1e-9);
        assertEquals(100.0, Chrf.chrf().sentence("a b c", List.of("abc")), 1e-9, "whitespace is ignored");
        assertEquals(0.0, Chrf.chrf().sentence("", List.of("abc")), 0);
        assertEquals(0.0, Chrf.chrf().sentence("abc", List.of()), 0);
        // the best reference wins
        assertEquals(100.0, Chrf.chrf().sentence("xyz", List.of("abc", "xyz")), 1e-9);
        assertEquals(100.0, Chrf.chrfPlusPlus().sentence("བོད་ཡིག", List.of("བོད་ཡིག")), 1e-9);
    }

    @Test
    void sentenceBleuByHand() {
        Bleu bleu = new Bleu(Bleu.Tokenize.T13A);
        assertEquals(100.0, bleu.sentence("The dog bit the man.", List.of("The dog bit the man.")), 1e-9);
        // 3 tokens vs 6: precisions 3/3, 2/2, 1/1, no 4-grams (effective order 3); BP = exp(1 - 6/3)
        assertEquals(100 * Math.exp(-1), bleu.sentence("the cat sat", List.of("the cat sat on the mat")), 1e-9);
        // p1 = 1/2; the 2-gram miss is smoothed to 100 / (2 * 1)
        assertEquals(Math.sqrt(50.0 * 50.0), bleu.sentence("a b", List.of("a c")), 1e-9);
        assertEquals(0.0, bleu.sentence("x y", List.of("a b")), 0, "no match at all scores 0");
        assertEquals(List.of("Hello", ",", "world", "!", "3.5", "km"), bleu.tokens("Hello, world! 3.5 km"));
        assertEquals(List.of("今", "天", "好", "。"), new Bleu(Bleu.Tokenize.ZH).tokens("今天好。"));
    }

    @Test
    void sacrebleuReadmeCorpusExample() {
        List<String> sys = List.of("The dog bit the man.", "It wasn't surprising.", "The man had just bitten him.");
        List<List<String>> refs = List.of(List.of("The dog bit the man.", "The dog had bit the man."),
                List.of("It was not unexpected.", "No one was surprised."),
                List.of("The man bit him first.", "The man had bitten the dog."));
        Bleu bleu = new Bleu(Bleu.Tokenize.T13A);
        long[] total = new long[2 * Bleu.MAX_ORDER + 2];
        for (int i = 0; i < sys.size(); i++) {
            long[] s = bleu.statistics(sys.get(i), refs.get(i));
            for (int k = 0; k < s.length; k++) {
                total[k] += s[k];
            }
        }
        assertEquals(17, total[8], "hyp_len");
        assertEquals(18, total[9], "ref_len");
        assertEquals(48.53, Bleu.score(total, Bleu.Smoothing.NONE, false), 0.005);
    }
}
