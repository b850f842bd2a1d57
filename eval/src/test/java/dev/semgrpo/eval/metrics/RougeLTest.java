package dev.semgrpo.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RougeLTest {
    private static final RougeL CHAR = new RougeL(RougeL.Tokenizer.CHAR);

    @Test
    void tibetanCharacterTokens() {
        // བཀྲ་ཤིས་བདེ་ལེགས is 16 code points: བ ཀ ྲ ་ ཤ ི ས ་ བ ད ེ ་ ལ ེ ག ས
        assertEquals(16, RougeL.Tokenizer.CHAR.tokens("བཀྲ་ཤིས་བདེ་ལེགས").size());
        // The prediction is its first 7 code points: LCS 7, P = 1, R = 7/16, F = 2 * 7/16 / (23/16) = 14/23.
        RougeL.Score s = CHAR.score("བཀྲ་ཤིས", "བཀྲ་ཤིས་བདེ་ལེགས");
        assertEquals(1.0, s.precision(), 1e-12);
        assertEquals(7.0 / 16, s.recall(), 1e-12);
        assertEquals(14.0 / 23, s.f1(), 1e-12);
        assertEquals(1.0, CHAR.score("བཀྲ་ཤིས་ བདེ་ལེགས", "བཀྲ་ཤིས་བདེ་ལེགས").f1(), 1e-12, "spaces are not tokens");
    }

    @Test
    void chineseCharacterTokens() {
        // 我喜欢猫 vs 我很喜欢狗: LCS 我喜欢 = 3, P = 3/4, R = 3/5, F = 2 * 0.45 / 1.35 = 2/3
        RougeL.Score s = CHAR.score("我喜欢猫", "我很喜欢狗");
        assertEquals(0.75, s.precision(), 1e-12);
        assertEquals(0.6, s.recall(), 1e-12);
        assertEquals(2.0 / 3, s.f1(), 1e-12);
    }

    @Test
    void whitespaceAndDefaultTokenizers() {
        RougeL ws = new RougeL(RougeL.Tokenizer.WHITESPACE);
        // LCS "the cat on the mat" = 5 of 6 on both sides
        assertEquals(5.0 / 6, ws.score("the cat sat on the mat", "the cat was on the mat").f1(), 1e-12);
        assertEquals(0.0, ws.score("The cat", "the cat").precision() - 0.5, 1e-12, "whitespace keeps case");
        RougeL def = new RougeL(RougeL.Tokenizer.DEFAULT);
        assertEquals(List.of("the", "cat", "sat", "3"), RougeL.Tokenizer.DEFAULT.tokens("The Cat-sat! (3)"));
        assertEquals(1.0, def.score("The Cat-sat!", "the cat sat").f1(), 1e-12);
        assertEquals(0.0, def.score("བཀྲ་ཤིས", "བཀྲ་ཤིས").f1(), 0, "rouge-score's tokenizer drops non-ASCII text");
        assertEquals("rouge_l:tok=default", def.name());
    }

    @Test
    void bestReferenceAndMean() {
        List<ExampleRecord> records = Records.score(CHAR, List.of("我喜欢猫", "abc", ""),
                List.of(List.of("狗", "我很喜欢狗"), List.of("abc"), List.of("x")));
        assertEquals(2.0 / 3, records.get(0).score("rouge_l"), 1e-12, "max over references");
        MetricResult r = CHAR.summarize(records);
        assertEquals((2.0 / 3 + 1 + 0) / 3, r.value(), 1e-12);
        assertInstanceOf(Aggregate.Mean.class, r.aggregate());
        assertEquals(r.value(), r.aggregate().compute(records), 1e-12);
        assertEquals("nrefs:var|tok:char|stem:no|version:rouge-score-compat", r.signature());
    }

    @Test
    void lcsAgreesWithNaiveRecursion() {
        Random rnd = new Random(7);
        for (int t = 0; t < 200; t++) {
            List<String> a = randomTokens(rnd, rnd.nextInt(8));
            List<String> b = randomTokens(rnd, rnd.nextInt(8));
            assertEquals(naive(a, 0, b, 0), RougeL.lcsLength(a, b), a + " / " + b);
        }
    }

    private static List<String> randomTokens(Random rnd, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(String.valueOf((char) ('a' + rnd.nextInt(3))));
        }
        return out;
    }

    private static int naive(List<String> a, int i, List<String> b, int j) {
        if (i == a.size() || j == b.size()) {
            return 0;
        }
        if (a.get(i).equals(b.get(j))) {
            return 1 + naive(a, i + 1, b, j + 1);
        }
        return Math.max(naive(a, i + 1, b, j), naive(a, i, b, j + 1));
    }
}
