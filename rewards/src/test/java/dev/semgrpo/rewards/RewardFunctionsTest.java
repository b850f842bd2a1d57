package dev.semgrpo.rewards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.Character.UnicodeScript;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RewardFunctionsTest {
    static final String TIBETAN = "བོད་ཀྱི་སྐད་ཡིག་ནི་སྐད་ཡིག་གལ་ཆེན་ཞིག་རེད།";
    static final String CHINESE = "藏语是一种重要的语言。";

    @Test
    void semanticShapingFollowsThePaper() {
        assertEquals(0.75, SemanticReward.shape(0.9, 0.6), 1e-12);
        assertEquals(0.0, SemanticReward.shape(0.6, 0.6), 0);
        assertEquals(0.0, SemanticReward.shape(0.2, 0.6), 0);
        assertEquals(1.0, SemanticReward.shape(1.0, 0.6), 1e-12);
        assertEquals(2.5, SemanticReward.percentile(new double[] {4, 1, 3, 2}, 50), 1e-12);
        assertEquals(1.3, SemanticReward.percentile(new double[] {4, 1, 3, 2}, 10), 1e-12);
    }

    @Test
    void scriptDetectionOnMixedTextForSixScripts() {
        Map<String, UnicodeScript> samples = Map.of(TIBETAN, UnicodeScript.TIBETAN, CHINESE, UnicodeScript.HAN,
                "اللغة العربية جميلة", UnicodeScript.ARABIC, "ሰላም ለዓለም", UnicodeScript.ETHIOPIC,
                "Hello, world 42!", UnicodeScript.LATIN, "Привет мир", UnicodeScript.CYRILLIC);
        samples.forEach((text, script) -> assertEquals(script, Scripts.dominant(text), text));
        LanguageReward tibetan = new LanguageReward("language", Scripts.parse(List.of("Tibetan")), 0.9, false);
        assertEquals(1.0, tibetan.share(TIBETAN), 1e-12, "tsheg and shad are punctuation, not counted");
        assertEquals(0.0, tibetan.share(CHINESE), 0);
        float[] r = tibetan.score(List.of(RewardSample.of(TIBETAN), RewardSample.of(CHINESE),
                RewardSample.of(TIBETAN + " " + CHINESE), RewardSample.of(TIBETAN + " 2024, 15%!"),
                RewardSample.of(""), RewardSample.of("  123 !"))).rewards();
        assertArrayEquals(new float[] {1, 0, 0, 1, 0, 0}, r,
                "mixed scripts score 0; ASCII digits and punctuation are neutral; no letters scores 0");
        // a script's own digits belong to it: a number in Tibetan digits is Tibetan, in Devanagari digits is not
        assertEquals(1.0, tibetan.share("\u0F22\u0F20\u0F22\u0F24"), 0, "Tibetan digits are Tibetan");
        assertEquals(0.0, tibetan.share("\u0968\u0966"), 0, "Devanagari digits are not");
        assertArrayEquals(new float[] {1, 0, 1}, tibetan.score(List.of(RewardSample.of("\u0F22\u0F20 "),
                RewardSample.of("\u0F22\u0F20 \u0968\u0966"), RewardSample.of("\u0F22\u0F20 2024"))).rewards());
        LanguageReward soft = new LanguageReward("language", Set.of(UnicodeScript.TIBETAN), 0.8, true);
        double half = soft.share(TIBETAN + CHINESE);
        assertEquals((float) Math.min(1, half / 0.8), soft.score(List.of(RewardSample.of(TIBETAN + CHINESE)))
                .rewards()[0], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Scripts.parse(List.of("klingon")));
    }

    @Test
    void lengthAndRepetitionPenalties() {
        LengthPenalty lp = new LengthPenalty("length", 2);
        float[] r = lp.score(List.of(RewardSample.of("a".repeat(10)), RewardSample.of("b".repeat(10)),
                RewardSample.of("c".repeat(30)), RewardSample.of("d".repeat(60)), RewardSample.of("e".repeat(10))))
                .rewards();
        assertArrayEquals(new float[] {0, 0, -0.5f, -1, 0}, r, 1e-6f);
        assertArrayEquals(new float[] {0, 0}, lp.score(List.of(RewardSample.of(""), RewardSample.of(" "))).rewards());
        RepetitionPenalty rp = new RepetitionPenalty("repetition", 2, RepetitionPenalty.Unit.WORD);
        assertArrayEquals(new float[] {-0.6f, 0f, 0f}, rp.score(List.of(RewardSample.of("a b a b a b"),
                RewardSample.of("a b c d"), RewardSample.of(""))).rewards(), 1e-6f);
        RepetitionPenalty chars = new RepetitionPenalty("repetition", 3, RepetitionPenalty.Unit.CHAR);
        assertTrue(chars.repeatedShare("ཀཀཀཀཀཀཀཀ") > 0.8);
    }

    @Test
    void overlapRewardsAreScaledAndDefinedOnEmptyInput() {
        TextOverlapReward chrf = TextOverlapReward.chrf("chrf", dev.semgrpo.rewards.text.Chrf.chrf());
        float[] r = chrf.score(List.of(RewardSample.of("abc", "abd"), RewardSample.of("", "abd"),
                RewardSample.of("abc"), RewardSample.of("abc", " "))).rewards();
        assertArrayEquals(new float[] {(float) (7.0 / 18), 0, 0, 0}, r, 1e-6f);
    }

    @Test
    void combinedRewardWeightsComponentsAndNamesBadValues() {
        LanguageReward lang = new LanguageReward("language", Set.of(UnicodeScript.TIBETAN), 0.9, false);
        RepetitionPenalty rep = new RepetitionPenalty("repetition", 2, RepetitionPenalty.Unit.WORD);
        try (CombinedReward c = new CombinedReward(List.of(new CombinedReward.Weighted(lang, 1.0),
                new CombinedReward.Weighted(rep, 0.5)))) {
            RewardOutput out = c.score(List.of(RewardSample.of(TIBETAN), RewardSample.of("a b a b a b")));
            assertArrayEquals(new float[] {1f, -0.3f}, out.rewards(), 1e-6f);
            assertTrue(out.components().keySet().containsAll(List.of("reward", "language", "language_share",
                    "repetition")));
        }
        RewardFunction nan = new RewardFunction() {
            public String name() {
                return "broken";
            }

            public RewardOutput score(List<RewardSample> batch) {
                return RewardOutput.single("broken", new float[] {0f, Float.NaN});
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new CombinedReward(List.of(new CombinedReward.Weighted(nan, 1))).score(List.of(
                        RewardSample.of("fine"), RewardSample.of("bad one"))));
        assertTrue(e.getMessage().contains("'broken'") && e.getMessage().contains("sample 1")
                && e.getMessage().contains("bad one"), e.getMessage());
    }
}
