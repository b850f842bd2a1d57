package dev.semgrpo.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import dev.semgrpo.rewards.encoder.SentenceEncoder;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The semantic reward on a real encoder (all-MiniLM-L6-v2, native path). */
class SemanticRewardTest {
    static PooledSentenceEncoder encoder;

    @BeforeAll
    static void open() throws IOException {
        encoder = SentenceEncoders.open(MiniLm.nativeDir(), SentenceEncoders.Options.defaults());
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    static List<RewardSample> batch() {
        return List.of(RewardSample.of("The weather is lovely today.", "The weather is lovely today."),
                RewardSample.of("It is sunny and warm.", "The weather is lovely today."),
                RewardSample.of("Stock prices fell sharply.", "The weather is lovely today."),
                RewardSample.of("", "The weather is lovely today."),
                RewardSample.of("   ", "Anything."),
                RewardSample.of("No reference here."),
                RewardSample.of("A cat sleeps.", "A dog runs.", "A cat is sleeping."));
    }

    @Test
    void identicalTextScoresOneAndEmptyOrMissingScoreZero() {
        SemanticReward r = new SemanticReward("semantic", encoder, 0.3, "", 1000);
        RewardOutput out = r.score(batch());
        float[] cos = out.components().get("semantic_cosine");
        float[] rew = out.rewards();
        assertEquals(1.0, cos[0], 1e-5);
        assertEquals(1.0, rew[0], 1e-5);
        assertTrue(rew[1] > rew[2], "a paraphrase beats an unrelated sentence: " + rew[1] + " vs " + rew[2]);
        assertEquals(0f, rew[3]);
        assertEquals(0f, rew[4]);
        assertEquals(0f, rew[5]);
        assertTrue(cos[6] > 0.8, "the best of several references counts: " + cos[6]);
        for (float v : rew) {
            assertTrue(Float.isFinite(v) && v >= 0 && v <= 1.0001);
        }
    }

    @Test
    void invariantToBatchOrderAndCachesReferences() {
        SemanticReward r = new SemanticReward("semantic", encoder, 0.3, "", 1000);
        List<RewardSample> b = batch();
        float[] forward = r.score(b).rewards();
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < b.size(); i++) {
            idx.add(i);
        }
        Collections.shuffle(idx, new java.util.Random(3));
        List<RewardSample> shuffled = idx.stream().map(b::get).toList();
        float[] back = r.score(shuffled).rewards();
        for (int i = 0; i < idx.size(); i++) {
            assertEquals(forward[idx.get(i)], back[i], 1e-5, "sample " + idx.get(i));
        }
    }

    @Test
    void autoTauIsAPercentileOfCalibrationSimilarity() {
        List<RewardSample> calib = batch();
        SemanticReward.TauCalibration median = SemanticReward.calibrateTau(encoder, calib, 50, -1, "");
        assertTrue(median.tau() > 0 && median.tau() < 1, "tau " + median);
        assertEquals(7, median.records());
        assertEquals(4, median.used(), "the empty completions and the record without a reference have no s");
        SemanticReward.TauCalibration p10 = SemanticReward.calibrateTau(encoder, calib, 10, -1, "");
        assertTrue(p10.tau() <= median.tau());
    }

    /** Texts to fixed 2-d vectors, so that every cosine is known exactly. */
    static final class TableEncoder implements SentenceEncoder {
        private final Map<String, float[]> table;

        TableEncoder(Map<String, float[]> table) {
            this.table = table;
        }

        @Override
        public float[][] encode(List<String> texts, String prefix) {
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = Objects.requireNonNull(table.get(texts.get(i)), texts.get(i)).clone();
            }
            return out;
        }

        @Override
        public int dimension() {
            return 2;
        }

        @Override
        public long[] truncation() {
            return new long[2];
        }

        @Override
        public void close() {
        }
    }

    /** The reference is (1, 0); each completion's vector has the cosine its name says. */
    static final TableEncoder GOLDEN = new TableEncoder(Map.of("ref", new float[] {1, 0},
            "cos-0.6", new float[] {-0.6f, 0.8f}, "cos0", new float[] {0, 1}, "cos0.6", new float[] {0.6f, 0.8f},
            "cos0.8", new float[] {0.8f, 0.6f}, "cos1", new float[] {1, 0}, "cos-0.2", new float[] {-0.2f, 0.9798f}));

    static List<RewardSample> goldenCalibration() {
        return List.of(RewardSample.of("cos-0.6", "ref"), RewardSample.of("cos0", "ref"), RewardSample.of("cos0.6",
                "ref"), RewardSample.of("cos0.8", "ref"), RewardSample.of("cos1", "ref"), RewardSample.of(" ", "ref"),
                RewardSample.of("cos0.6"));
    }

    @Test
    void aNegativePercentileIsRaisedToTheFloorAndBothAreRecorded() {
        // s over the 5 usable records: -0.6, 0, 0.6, 0.8, 1; the 10th percentile is -0.6 + 0.4 * 0.6 = -0.36
        SemanticReward.TauCalibration c = SemanticReward.calibrateTau(GOLDEN, goldenCalibration(), 10,
                SemanticReward.DEFAULT_TAU_FLOOR, "");
        assertEquals(-0.36, c.percentileValue(), 1e-6);
        assertEquals(0.0, c.floor());
        assertEquals(0.0, c.tau(), 1e-12);
        assertTrue(c.floored());
        assertEquals(7, c.records());
        assertEquals(5, c.used());
        assertTrue(c.describe().contains("s = -0.3600 over 5 of 7 records, raised to tau_floor 0.0000"), c.describe());
        // a floor of -1 keeps the raw percentile; a percentile above the floor is kept as it is
        assertEquals(-0.36, SemanticReward.calibrateTau(GOLDEN, goldenCalibration(), 10, -1, "").tau(), 1e-6);
        SemanticReward.TauCalibration median = SemanticReward.calibrateTau(GOLDEN, goldenCalibration(), 50, 0, "");
        assertEquals(0.6, median.tau(), 1e-6);
        assertTrue(!median.floored());
        assertEquals(0.999, SemanticReward.calibrateTau(GOLDEN, goldenCalibration(), 100, 0, "").tau(), 1e-12,
                "tau stays below 1");
        assertThrows(IllegalArgumentException.class, () -> SemanticReward.calibrateTau(GOLDEN, goldenCalibration(),
                10, 1.0, ""));
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> SemanticReward
                .calibrateTau(GOLDEN, List.of(RewardSample.of("", "ref"), RewardSample.of("cos1")), 10, 0, ""));
        assertTrue(none.getMessage().contains("none of the 2 records"), none.getMessage());
    }

    @Test
    void emptyCompletionsAndMissingReferencesScoreZeroEvenWithANegativeTau() {
        // with tau = -0.36 any non-empty output whose cosine beats -0.36 is paid: (s - tau) / (1 - tau)
        SemanticReward r = new SemanticReward("semantic", GOLDEN, -0.36, "", 100);
        List<RewardSample> b = List.of(RewardSample.of("cos-0.2", "ref"), RewardSample.of("cos0", "ref"),
                RewardSample.of("", "ref"), RewardSample.of(" \t\n", "ref"), RewardSample.of("\u00a0\u200b\ufeff\u3000",
                        "ref"), RewardSample.of("cos0.6"), RewardSample.of("cos0.6", " "), RewardSample.of("cos-0.6",
                        "ref"));
        RewardOutput out = r.score(b);
        float[] rew = out.rewards();
        assertEquals((-0.2 + 0.36) / 1.36, rew[0], 1e-4);
        assertEquals(0.36 / 1.36, rew[1], 1e-5);
        for (int i = 2; i <= 6; i++) {
            assertEquals(0f, rew[i], "sample " + i + " has no similarity and is never paid");
            assertEquals(0f, out.components().get("semantic_cosine")[i]);
        }
        assertEquals(0f, rew[7], "below tau");
        // the default floor makes the unrelated outputs (s <= 0) unpaid as well
        SemanticReward floored = new SemanticReward("semantic", GOLDEN, SemanticReward.calibrateTau(GOLDEN,
                goldenCalibration(), 10, SemanticReward.DEFAULT_TAU_FLOOR, "").tau(), "", 100);
        float[] f = floored.score(b).rewards();
        assertEquals(0f, f[0]);
        assertEquals(0f, f[1]);
    }

    @Test
    void emptyTextIsDefinedOnce() {
        for (String empty : List.of("", " ", "\t\r\n", "\u00a0", "\u2007\u202f", "\u3000", "\u200b", "\ufeff",
                "\u200d", "\u0000\u001f")) {
            assertTrue(RewardSample.isEmptyText(empty), "empty: " + escape(empty));
            assertTrue(RewardSample.of(empty, "ref").emptyCompletion());
            assertTrue(RewardSample.of("x", empty).usableReferences().isEmpty());
        }
        for (String text : List.of(".", "\u0f0d", "\u0f0b", "a", " 0 ", "\ud83d\ude00", "\u0f40")) {
            assertTrue(!RewardSample.isEmptyText(text), "not empty: " + escape(text));
        }
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> b.append(String.format("U+%04X ", c)));
        return b.toString();
    }
}
