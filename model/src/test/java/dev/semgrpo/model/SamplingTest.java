package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.generate.LogitsProcessors;
import dev.semgrpo.model.generate.SamplingParams;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SamplingTest {
    private static final float NEG = Float.NEGATIVE_INFINITY;
    private static NDManager m;

    @BeforeAll
    static void open() {
        m = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        m.close();
    }

    private static NDArray row(float... v) {
        return m.create(v, new Shape(1, v.length));
    }

    @Test
    void topKKeepsTheKLargest() {
        assertArrayEquals(new float[] {NEG, 3, NEG, 5, 4}, LogitsProcessors.topK(row(1, 3, 2, 5, 4), 3).toFloatArray());
        assertArrayEquals(new float[] {1, 3, 2}, LogitsProcessors.topK(row(1, 3, 2), 0).toFloatArray());
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // probabilities 0.5, 0.25, 0.125, 0.125
        NDArray logits = row((float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.125),
                (float) Math.log(0.125));
        float[] p60 = LogitsProcessors.topP(logits, 0.6).toFloatArray();
        assertEquals(NEG, p60[2]);
        assertEquals(NEG, p60[3]);
        assertEquals(Math.log(0.25), p60[1], 1e-6);
        float[] p40 = LogitsProcessors.topP(logits, 0.4).toFloatArray();
        assertEquals(Math.log(0.5), p40[0], 1e-6);
        assertEquals(NEG, p40[1]);
        float[] p80 = LogitsProcessors.topP(logits, 0.8).toFloatArray();
        assertEquals(Math.log(0.125), p80[2], 1e-6, "0.5+0.25 < 0.8, so the 0.125 tier stays (ties kept)");
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTop() {
        NDArray logits = row((float) Math.log(0.6), (float) Math.log(0.3), (float) Math.log(0.1));
        float[] out = LogitsProcessors.minP(logits, 0.4).toFloatArray();
        assertEquals(NEG, out[2]);
        assertEquals(Math.log(0.3), out[1], 1e-6);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegative() {
        NDArray logits = row(2f, -2f, 2f);
        NDArray presence = row(1f, 1f, 0f);
        assertArrayEquals(new float[] {1f, -4f, 2f},
                LogitsProcessors.repetitionPenalty(logits, presence, 2f).toFloatArray(), 1e-6f);
    }

    @Test
    void seededDrawsFollowTheSoftmax() {
        float[] logits = {0.5f, -1f, 2f, 0f, 1.2f};
        double temperature = 0.8;
        int draws = 20000;
        NDArray lp = m.create(logits, new Shape(1, 5)).div((float) temperature).logSoftmax(-1)
                .repeat(0, draws);
        SplittableRandom rng = new SplittableRandom(42);
        float[] u = new float[draws];
        for (int i = 0; i < draws; i++) {
            u[i] = (float) rng.nextDouble(1e-7, 1.0);
        }
        long[] tokens = LogitsProcessors.sample(lp, m.create(u, new Shape(draws, 1))).toLongArray();
        double[] freq = new double[5];
        for (long t : tokens) {
            freq[(int) t] += 1.0 / draws;
        }
        double z = 0;
        for (float l : logits) {
            z += Math.exp(l / temperature);
        }
        for (int v = 0; v < 5; v++) {
            double p = Math.exp(logits[v] / temperature) / z;
            double sd = Math.sqrt(p * (1 - p) / draws);
            assertEquals(p, freq[v], 5 * sd + 1e-3, "token " + v);
        }
        long[] again = LogitsProcessors.sample(lp, m.create(u, new Shape(draws, 1))).toLongArray();
        assertArrayEquals(tokens, again);
    }

    @Test
    void maskedTokensAreNeverDrawn() {
        NDArray lp = LogitsProcessors.topK(row(0f, 5f, 0f, 4.9f), 2).logSoftmax(-1).repeat(0, 1000);
        float[] u = new float[1000];
        for (int i = 0; i < u.length; i++) {
            u[i] = (i + 0.5f) / u.length;
        }
        for (long t : LogitsProcessors.sample(lp, m.create(u, new Shape(1000, 1))).toLongArray()) {
            assertEquals(true, t == 1 || t == 3, "drew masked token " + t);
        }
    }

    @Test
    void builderDefaultsAreOneUnfilteredSampleAtTemperatureOne() {
        assertEquals(SamplingParams.sample(1, 5, 0), SamplingParams.builder().setMaxNewTokens(5).build());
        SamplingParams g = SamplingParams.greedy(5);
        assertEquals(g, g.toBuilder().build());
        assertThrows(IllegalStateException.class, () -> SamplingParams.builder().optN(2).build());
    }

    @Test
    void invalidParamsAreRejectedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.builder().setMaxNewTokens(16).optN(8).optTemperature(0.0).optSeed(1).build());
        assertEquals(true, e.getMessage().contains("temperature") && e.getMessage().contains("0.0"));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.sample(8, 16, 1).withTopP(1.5));
        assertThrows(IllegalArgumentException.class,
                () -> SamplingParams.builder().setMaxNewTokens(16).optN(2).optGreedy(true).optSeed(1).build());
    }
}
