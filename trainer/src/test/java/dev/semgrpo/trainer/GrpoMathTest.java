package dev.semgrpo.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.semgrpo.model.Torch;
import dev.semgrpo.trainer.grpo.Advantages;
import dev.semgrpo.trainer.grpo.GrpoLoss;
import dev.semgrpo.trainer.grpo.ImportanceSampling;
import dev.semgrpo.trainer.grpo.KlEstimator;
import dev.semgrpo.trainer.grpo.PolicyLoss;
import dev.semgrpo.trainer.grpo.PolicyStats;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrpoMathTest {
    private static final float[] REWARDS = {1, 2, 3, 4, 5, 5, 5, 5};

    @Test
    void advantagesGroupBatchNone() {
        double groupStd = Math.sqrt(5.0 / 3); // Bessel: ((1.5^2 + 0.5^2) * 2) / 3
        Advantages.Result g = Advantages.compute(REWARDS, 4, Advantages.Scale.GROUP, 1e-4);
        float d = (float) (groupStd + 1e-4);
        assertArrayEquals(new float[] {-1.5f / d, -0.5f / d, 0.5f / d, 1.5f / d, 0, 0, 0, 0}, g.advantages(), 1e-6f);
        assertEquals(0.5, g.fracZeroStd(), 0, "the constant group carries no signal");
        assertEquals(groupStd, g.groupStd()[0], 1e-6);
        double batchStd = Math.sqrt(17.5 / 7);
        float b = (float) (batchStd + 1e-4);
        assertArrayEquals(new float[] {-1.5f / b, -0.5f / b, 0.5f / b, 1.5f / b, 0, 0, 0, 0},
                Advantages.compute(REWARDS, 4, Advantages.Scale.BATCH, 1e-4).advantages(), 1e-6f);
        assertArrayEquals(new float[] {-1.5f, -0.5f, 0.5f, 1.5f, 0, 0, 0, 0},
                Advantages.compute(REWARDS, 4, Advantages.Scale.NONE, 1e-4).advantages(), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> Advantages.compute(REWARDS, 3, Advantages.Scale.GROUP, 1e-4));
        assertThrows(IllegalArgumentException.class, () -> Advantages.compute(REWARDS, 1, Advantages.Scale.GROUP, 1e-4));
    }

    @Test
    void klEstimators() {
        assertEquals(1.0, KlEstimator.K1.apply(-1, -2), 1e-12);
        assertEquals(0.5, KlEstimator.K2.apply(-1, -2), 1e-12);
        assertEquals(Math.exp(-1), KlEstimator.K3.apply(-1, -2), 1e-12);
        for (KlEstimator k : KlEstimator.values()) {
            assertEquals(0.0, k.apply(-0.7, -0.7), 0, k + " is 0 when policy = reference");
        }
        try (NDManager m = Torch.manager()) {
            NDArray logp = m.create(new float[] {-1f, -0.5f});
            NDArray ref = m.create(new float[] {-2f, -0.5f});
            assertArrayEquals(new float[] {(float) Math.exp(-1), 0f}, KlEstimator.K3.apply(logp, ref).toFloatArray(),
                    1e-6f);
        }
    }

    /** Two completions, three tokens: ratios (1, 1.5, 1) with A = +1 and (0.5, 1, 1.1) with A = -1. */
    private static PolicyLoss.Result example(NDManager m, GrpoLoss type) {
        NDArray old = m.zeros(new Shape(2, 3));
        NDArray logp = m.create(new float[] {0, (float) Math.log(1.5), 0, (float) Math.log(0.5), 0,
                (float) Math.log(1.1)}, new Shape(2, 3));
        NDArray adv = m.create(new float[] {1f, -1f});
        NDArray mask = m.create(new float[] {1, 1, 0, 1, 1, 1}, new Shape(2, 3));
        return PolicyLoss.compute(logp, old, null, adv, mask, null, 0.2, 0.28, 0, KlEstimator.K3, type, 4, 10);
    }

    @Test
    void everyLossTypeAndBothClipBoundsByHand() {
        // per token: row 0 -> (-1, -1.28 [clipped high], -1 masked); row 1 -> (0.8 [clipped low], 1, 1.1)
        try (NDManager m = Torch.manager()) {
            assertEquals((-2.28 / 2 + 2.9 / 3) / 2, example(m, new GrpoLoss.Grpo()).loss().getFloat(), 1e-6);
            assertEquals(0.62 / 5, example(m, new GrpoLoss.Bnpo()).loss().getFloat(), 1e-6);
            assertEquals(0.62 / (2 * 4), example(m, new GrpoLoss.DrGrpo()).loss().getFloat(), 1e-6);
            assertEquals(0.62 / 10, example(m, new GrpoLoss.Dapo()).loss().getFloat(), 1e-6);
            // kl, clip low, clip high, region, mean ratio over the 5 counted tokens
            PolicyLoss.Stats st = example(m, new GrpoLoss.Bnpo()).stats();
            PolicyLoss.Values v = st.pull();
            assertEquals(0f, v.kl(), 1e-6f);
            assertEquals(0.2f, v.clipLow(), 1e-6f);
            assertEquals(0.2f, v.clipHigh(), 1e-6f);
            assertEquals(0.4f, v.clipRegion(), 1e-6f);
            assertEquals(5.1f / 5, v.ratioMean(), 1e-6f);
            // each field is its own device scalar, and pull() reads them in that order
            assertArrayEquals(new float[] {v.kl(), v.clipLow(), v.clipHigh(), v.clipRegion(), v.ratioMean()},
                    new float[] {st.kl().getFloat(), st.clipLow().getFloat(), st.clipHigh().getFloat(),
                            st.clipRegion().getFloat(), st.ratioMean().getFloat()}, 0f);
        }
    }

    @Test
    void batchStatisticsAreTokenWeightedThenAveragedOverIterations() {
        PolicyStats.TokenMean pass = new PolicyStats.TokenMean();
        assertEquals(PolicyStats.NO_TOKENS, pass.mean(), "no counted token: nothing clipped, ratio 1");
        pass.add(new PolicyLoss.Values(0.5f, 0.25f, 0f, 0.25f, 1f), 4);
        pass.add(new PolicyLoss.Values(0.1f, 0f, 0.5f, 0.5f, 2f), 2);
        PolicyStats first = pass.mean();
        assertEquals((0.5 * 4 + 0.1 * 2) / 6, first.kl(), 1e-7);
        assertEquals(1.0 / 6, first.clipLow(), 1e-7);
        assertEquals(1.0 / 6, first.clipHigh(), 1e-7);
        assertEquals(2.0 / 6, first.clipRegion(), 1e-7);
        assertEquals(8.0 / 6, first.ratioMean(), 1e-7);
        PolicyStats two = PolicyStats.ZERO.plusShare(first, 2).plusShare(PolicyStats.NO_TOKENS, 2);
        assertEquals(first.kl() / 2, two.kl(), 1e-12);
        assertEquals((8.0 / 6 + 1) / 2, two.ratioMean(), 1e-12);
    }

    @Test
    void microBatchSharesMakeTheAccumulatedGradientTheBatchObjective() {
        // 10 completions in micro-batches of 4, 4, 2
        for (GrpoLoss rowMean : List.of(new GrpoLoss.Grpo(), new GrpoLoss.DrGrpo())) {
            assertEquals(0.4f, rowMean.share(4, 10, 3), 1e-7f, rowMean + ": weighted by rows");
            assertEquals(0.2f, rowMean.share(2, 10, 3), 1e-7f, rowMean + ": weighted by rows");
        }
        assertEquals(1f / 3, new GrpoLoss.Bnpo().share(4, 10, 3), 1e-7f, "bnpo: the mean of micro-batch means");
        assertEquals(1f / 3, new GrpoLoss.Bnpo().share(2, 10, 3), 1e-7f, "bnpo: the mean of micro-batch means");
        assertEquals(1f, new GrpoLoss.Dapo().share(2, 10, 3), 0f, "dapo: already divided by the batch's tokens");
        // one micro-batch holding the whole batch: every type scales by 1
        for (GrpoLoss t : List.of(new GrpoLoss.Grpo(), new GrpoLoss.Bnpo(), new GrpoLoss.DrGrpo(),
                new GrpoLoss.Dapo())) {
            assertEquals(1f, t.share(10, 10, 1), 0f, t.toString());
        }
    }

    @Test
    void rowMeanSharesAccumulateToTheWholeBatchLoss() {
        // the loss of the whole batch equals the share-weighted sum of its micro-batches' losses (token-level types
        // have equal micro-batch token counts here, where TRL's mean of means is the batch mean)
        try (NDManager m = Torch.manager()) {
            NDArray perToken = m.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(4, 2));
            NDArray mask = m.create(new float[] {1, 1, 1, 0, 1, 1, 0, 1}, new Shape(4, 2));
            for (GrpoLoss t : List.of(new GrpoLoss.Grpo(), new GrpoLoss.DrGrpo(), new GrpoLoss.Dapo())) {
                float whole = t.aggregate(perToken, mask, 2, 6).getFloat();
                float parts = t.aggregate(perToken.get("0:3"), mask.get("0:3"), 2, 6).getFloat() * t.share(3, 4, 2)
                        + t.aggregate(perToken.get("3:4"), mask.get("3:4"), 2, 6).getFloat() * t.share(1, 4, 2);
                assertEquals(whole, parts, 1e-5f, t.toString());
            }
        }
    }

    @Test
    void withMuOneAndBetaZeroTheRatioIsOneAndTheGradientIsMinusA() {
        try (NDManager m = Torch.manager()) {
            NDArray logp = m.create(new float[] {-1f, -2f, -0.5f, -3f}, new Shape(2, 2));
            logp.setRequiresGradient(true);
            NDArray adv = m.create(new float[] {2f, -1f});
            NDArray mask = m.ones(new Shape(2, 2));
            try (GradientCollector gc = Torch.gradients()) {
                PolicyLoss.Result r = PolicyLoss.compute(logp, null, null, adv, mask, null, 0.2, 0.2, 0, KlEstimator.K3,
                        new GrpoLoss.Bnpo(), 2, 4);
                assertEquals(1.0, r.stats().pull().ratioMean(), 0, "ratio is exactly 1");
                assertEquals((-2 * 2 + 1 * 2) / 4.0, r.loss().getFloat(), 1e-6);
                gc.backward(r.loss());
            }
            try (NDArray g = logp.getGradient()) {
                assertArrayEquals(new float[] {-0.5f, -0.5f, 0.25f, 0.25f}, g.toFloatArray(), 1e-6f);
            }
        }
    }

    @Test
    void betaAddsTheKlTermAndItsMean() {
        try (NDManager m = Torch.manager()) {
            NDArray logp = m.create(new float[] {-1f, -1f}, new Shape(1, 2));
            NDArray ref = m.create(new float[] {-2f, -1f}, new Shape(1, 2));
            PolicyLoss.Result r = PolicyLoss.compute(logp, null, ref, m.create(new float[] {0f}), m.ones(new Shape(1, 2)),
                    null, 0.2, 0.2, 0.1, KlEstimator.K3, new GrpoLoss.Bnpo(), 2, 2);
            double k3 = Math.exp(-1);
            assertEquals(0.1 * k3 / 2, r.loss().getFloat(), 1e-6);
            assertEquals(k3 / 2, r.stats().pull().kl(), 1e-6);
        }
    }

    /**
     * Trainer log-probs (0, ln 2, ln 5, masked) against a server's (0, 0, 0, junk): ratios 1, 2, 5; cap 3 gives
     * weights 1, 2, 3 and one capped token.
     */
    @Test
    void truncatedImportanceWeightsAndTheirStatisticsByHand() {
        try (NDManager m = Torch.manager()) {
            NDArray trainer = m.create(new float[] {0, (float) Math.log(2), (float) Math.log(5), -3}, new Shape(1, 4));
            NDArray server = m.create(new float[] {0, 0, 0, Float.NaN}, new Shape(1, 4));
            NDArray mask = m.create(new float[] {1, 1, 1, 0}, new Shape(1, 4));
            ImportanceSampling.Result r = ImportanceSampling.truncated(trainer, server, mask, 3.0);
            assertArrayEquals(new float[] {1, 2, 3, 0}, r.weights().toFloatArray(), 1e-6f);
            ImportanceSampling.Values v = r.stats().pull();
            assertEquals(3, v.tokens(), 0);
            assertEquals(Math.log(2) + Math.log(5), v.deltaSum(), 1e-6);
            assertEquals(Math.log(5), v.deltaMax(), 1e-6);
            assertEquals(1, v.weightMin(), 1e-6, "the masked token's 0 is not the minimum");
            assertEquals(3, v.weightMax(), 1e-6);
            assertEquals(1, v.capped(), 0);
            ImportanceSampling.Summary sum = new ImportanceSampling.Summary();
            sum.add(v);
            sum.add(new ImportanceSampling.Values(1, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0));
            ImportanceSampling.Logged l = sum.logged();
            assertEquals((Math.log(10) + 0.5) / 4, l.deltaMean(), 1e-6);
            assertEquals(6.5 / 4, l.weightMean(), 1e-6);
            assertEquals(0.5, l.weightMin(), 1e-6);
            assertEquals(0.25, l.cappedFrac(), 1e-9);
            assertEquals(new ImportanceSampling.Logged(0, 0, 1, 1, 1, 0), new ImportanceSampling.Summary().logged());
            assertThrows(IllegalArgumentException.class, () -> ImportanceSampling.truncated(trainer, server, mask, 0.5));

            // the weights scale the policy term of each token; with beta = 0 weights of 2 double the loss
            PolicyLoss.Result plain = example(m, new GrpoLoss.Bnpo());
            NDArray old = m.zeros(new Shape(2, 3));
            NDArray logp = m.create(new float[] {0, (float) Math.log(1.5), 0, (float) Math.log(0.5), 0,
                    (float) Math.log(1.1)}, new Shape(2, 3));
            NDArray twos = m.full(new Shape(2, 3), 2f);
            PolicyLoss.Result weighted = PolicyLoss.compute(logp, old, null, m.create(new float[] {1f, -1f}),
                    m.create(new float[] {1, 1, 0, 1, 1, 1}, new Shape(2, 3)), twos, 0.2, 0.28, 0, KlEstimator.K3,
                    new GrpoLoss.Bnpo(), 4, 10);
            assertEquals(2 * plain.loss().getFloat(), weighted.loss().getFloat(), 1e-6);
        }
    }
}
