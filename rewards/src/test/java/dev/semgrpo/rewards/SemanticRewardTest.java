package dev.semgrpo.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
        double tau = SemanticReward.calibrateTau(encoder, calib, 50, "");
        assertTrue(tau > 0 && tau < 1, "tau " + tau);
        double tau10 = SemanticReward.calibrateTau(encoder, calib, 10, "");
        assertTrue(tau10 <= tau);
    }
}
