package dev.semgrpo.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class QaMetricsTest {
    private static final QaMetrics SQUAD_EM = new QaMetrics(QaMetrics.Style.SQUAD, QaMetrics.Measure.EM);
    private static final QaMetrics SQUAD_F1 = new QaMetrics(QaMetrics.Style.SQUAD, QaMetrics.Measure.F1);
    private static final QaMetrics CMRC_EM = new QaMetrics(QaMetrics.Style.CMRC, QaMetrics.Measure.EM);
    private static final QaMetrics CMRC_F1 = new QaMetrics(QaMetrics.Style.CMRC, QaMetrics.Measure.F1);

    @Test
    void squadNormalisation() {
        assertEquals("cat", QaMetrics.squadNormalize("The Cat!"));
        assertEquals("eiffeltower in paris", QaMetrics.squadNormalize("  The  Eiffel-Tower, in Paris. "));
        assertEquals("theory anna", QaMetrics.squadNormalize("a theory an Anna the"), "only whole articles go");
        assertEquals(100.0, SQUAD_EM.best("The Cat!", List.of("cat")), 0);
        assertEquals(100.0, SQUAD_F1.best("The Cat!", List.of("cat")), 1e-9);
    }

    @Test
    void squadPartialOverlapAndMaxOverGolds() {
        // pred tokens [big, black, cat], gold [black, dog]: 1 shared, P = 1/3, R = 1/2, F1 = 0.4
        assertEquals(40.0, SQUAD_F1.best("the big black cat", List.of("a black dog")), 1e-9);
        // gold "black cat": 2 shared, P = 2/3, R = 1, F1 = 0.8; "dog" gives 0; the max counts
        assertEquals(80.0, SQUAD_F1.best("the big black cat", List.of("dog", "black cat")), 1e-9);
        assertEquals(0.0, SQUAD_EM.best("the big black cat", List.of("dog", "black cat")), 0);
        // repeated tokens are clipped: pred [x, x, y] has x twice, gold [x, y] once -> 2 shared, P 2/3, R 1
        assertEquals(80.0, SQUAD_F1.best("x x y", List.of("x y")), 1e-9);
        assertEquals(0.0, SQUAD_F1.best("", List.of("")), 0, "v1.1: no shared token is F1 0, even both empty");
        assertEquals(100.0, SQUAD_EM.best("", List.of("the")), 0);
    }

    @Test
    void cmrcSegmentation() {
        assertEquals(List.of("北", "京", "大", "学"), QaMetrics.cmrcSegment("北京大学"));
        assertEquals(List.of("iphone", "6s", "手", "机"), QaMetrics.cmrcSegment(" iPhone 6s手机。"));
        assertEquals(List.of("1998", "年", "."), QaMetrics.cmrcSegment("1998年."), "ASCII '.' is no sp_char");
        assertEquals(List.of("(", "3.5", ")", "米"), QaMetrics.cmrcSegment("(3.5)米"));
        assertEquals(List.of("红", "楼", "梦"), QaMetrics.cmrcSegment("《红楼梦》"));
    }

    @Test
    void cmrcScores() {
        // [北,京,大,学] vs [北,京]: common run 2, P = 2/4, R = 1, F1 = 2/3
        assertEquals(0.0, CMRC_EM.best("北京大学", List.of("北京")), 0);
        assertEquals(200.0 / 3, CMRC_F1.best("北京大学", List.of("北京")), 1e-9);
        // 。 is removed: [在,北,京] vs [北,京]: P = 2/3, R = 1, F1 = 0.8
        assertEquals(80.0, CMRC_F1.best("在北京。", List.of("北京")), 1e-9);
        // the common run must be contiguous: [北,大,京] vs [北,京] share runs of length 1 only:
        // P = 1/3, R = 1/2, F1 = 0.4 (an LCS-subsequence F1 would be 0.8)
        assertEquals(40.0, CMRC_F1.best("北大京", List.of("北京")), 1e-9);
        // CMRC punctuation is ignored by EM, ASCII '.' is not
        assertEquals(100.0, CMRC_EM.best("《红楼梦》", List.of("红楼梦")), 0);
        assertEquals(0.0, CMRC_EM.best("1998年.", List.of("1998年")), 0);
        assertEquals(80.0, CMRC_F1.best("1998年.", List.of("1998年")), 1e-9);
        // mixed Latin and Chinese: [iphone, 6s, 手, 机] vs [iphone, 6s]: 2/3
        assertEquals(200.0 / 3, CMRC_F1.best("iPhone 6s手机", List.of("iphone 6s")), 1e-9);
        // max over golds
        assertEquals(100.0, CMRC_F1.best("北京", List.of("上海", "北京")), 1e-9);
        assertEquals(100.0, CMRC_EM.best("北京", List.of("上海", "北京")), 0);
    }

    @Test
    void squadArticlesFollowPythonWordBoundaries() {
        // normalize_answer's re.sub(r'\b(a|an|the)\b', ' ', s): Python's \w has '²' (str.isalnum) and no
        // combining marks
        assertEquals("the²", QaMetrics.squadNormalize("the²"));
        assertEquals("²a", QaMetrics.squadNormalize("²a"));
        assertEquals("\u0300 b", QaMetrics.squadNormalize("a\u0300 b"));
        assertEquals("\u0301 cat", QaMetrics.squadNormalize("The\u0301 cat"));
        assertEquals("an\u00E9 cat", QaMetrics.squadNormalize("Ané the cat"), "é (U+00E9) is a letter");
        assertEquals("the\uD835\uDC00 x", QaMetrics.squadNormalize("the\uD835\uDC00 a x"));
        assertEquals("athe cat", QaMetrics.squadNormalize("a-the cat"), "punctuation goes first: one word");
        assertEquals(100.0, SQUAD_EM.best("The\u0301 cat", List.of("\u0301 cat")), 0);
        assertEquals(0.0, SQUAD_EM.best("the²", List.of("²")), 0);
    }

    @Test
    void cmrcSplitsEnglishRunsWithNltkRules() {
        assertEquals(List.of("他", "说", "do", "n't", "go"), QaMetrics.cmrcSegment("他说Don't go"));
        assertEquals(List.of("史", "密", "斯", "是", "mr.", "smith"), QaMetrics.cmrcSegment("史密斯是Mr. Smith"));
        // each run is tokenized alone: a closing ASCII quote that starts a run is an opening quote to NLTK
        assertEquals(List.of("``", "苹", "果", "``", "公", "司"), QaMetrics.cmrcSegment("\"苹果\"公司"));
        assertEquals(List.of("``", "hello", "''", "世", "界"), QaMetrics.cmrcSegment("\"Hello\"世界"));
        // a run's final period is split off, an inner one is not
        assertEquals(List.of("mr", ".", "史", "密", "斯"), QaMetrics.cmrcSegment("Mr.史密斯"));
    }

    @Test
    void cmrcMixedChineseEnglishScoresByHand() {
        // [他,说,do,n't,go] vs [do,n't,go]: run 3, P = 3/5, R = 1, F1 = 0.75 (one token "don't" would give 2/3)
        assertEquals(75.0, CMRC_F1.best("他说Don't go", List.of("don't go")), 1e-9);
        // [史,密,斯,是,mr.,smith] vs [mr.,smith]: run 2, P = 2/6, R = 1, F1 = 0.5 (splitting "mr" "." gives 0.6)
        assertEquals(50.0, CMRC_F1.best("史密斯是Mr. Smith", List.of("Mr. Smith")), 1e-9);
        // [``,hello,'',世,界] vs [``,hello,'']: run 3, P = 3/5, R = 1, F1 = 0.75
        assertEquals(75.0, CMRC_F1.best("\"Hello\"世界", List.of("\"hello\"")), 1e-9);
        // [他,说,'hello,'] vs [``,hello,'']: the single quotes stay on the word, no common token
        assertEquals(0.0, CMRC_F1.best("他说'hello'", List.of("\"hello\"")), 0);
        // EM compares remove_punctuation() texts, no tokenizer: "don't go" equals itself lowercased
        assertEquals(100.0, CMRC_EM.best("Don't go", List.of("don't go")), 0);
        assertEquals(0.0, CMRC_EM.best("他说Don't go", List.of("don't go")), 0);
    }

    @Test
    void summarizeIsTheMeanOn0To100() {
        List<ExampleRecord> records = Records.score(List.of(CMRC_EM, CMRC_F1), List.of("北京大学", "北京"),
                List.of(List.of("北京"), List.of("北京")));
        MetricResult em = CMRC_EM.summarize(records);
        MetricResult f1 = CMRC_F1.summarize(records);
        assertEquals("cmrc_em", em.name());
        assertEquals(50.0, em.value(), 1e-9);
        assertEquals((200.0 / 3 + 100) / 2, f1.value(), 1e-9);
        assertEquals(f1.value(), f1.aggregate().compute(records), 1e-12);
        assertEquals("nrefs:1|norm:cmrc2018|scale:100", f1.signature());
    }
}
