package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.semgrpo.model.optim.AdamW;
import dev.semgrpo.model.optim.Schedules;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptimTest {
    @Test
    void adamWMatchesTheUpdateByHand() {
        try (NDManager m = Torch.manager()) {
            NDArray p = m.create(new float[] {1f, -2f});
            p.setRequiresGradient(true);
            try (AdamW opt = new AdamW(List.of(p), 0.9f, 0.999f, 1e-12f, 0.01f)) {
                try (GradientCollector gc = Torch.gradients()) {
                    gc.backward(p.square().sum()); // g = 2p = (2, -4)
                }
                float norm = opt.step(0.1f, 0f);
                assertEquals(Math.sqrt(4 + 16), norm, 1e-5);
                // step 1: m_hat = g, v_hat = g^2, so the Adam step is lr * sign(g); decay first: p (1 - lr wd)
                assertArrayEquals(new float[] {1f * 0.999f - 0.1f, -2f * 0.999f + 0.1f}, p.toFloatArray(), 1e-6f);
                try (NDArray g = p.getGradient()) {
                    assertArrayEquals(new float[] {0f, 0f}, g.toFloatArray(), 0f, "gradients are zeroed");
                }
                try (GradientCollector gc = Torch.gradients()) {
                    gc.backward(p.square().sum());
                }
                opt.step(0.1f, 1f); // clipped to norm 1: the step direction is unchanged for Adam at step 2
                assertEquals(2, opt.steps());
            }
        }
    }

    @Test
    void aNonFiniteStepIsSkippedAndDoesNotPoisonTheNext() {
        try (NDManager m = Torch.manager()) {
            NDArray p = m.create(new float[] {1f, -2f});
            p.setRequiresGradient(true);
            try (AdamW opt = new AdamW(List.of(p), 0.9f, 0.999f, 1e-12f, 0f)) {
                try (GradientCollector gc = Torch.gradients()) {
                    gc.backward(p.sqrt().sum()); // sqrt(-2): NaN gradient
                }
                float norm = opt.step(0.1f, 1f);
                assertTrue(Float.isNaN(norm));
                assertEquals(0, opt.steps(), "the update is skipped");
                assertArrayEquals(new float[] {1f, -2f}, p.toFloatArray(), 0f, "the weights are untouched");
                try (NDArray g = p.getGradient()) {
                    assertArrayEquals(new float[] {0f, 0f}, g.toFloatArray(), 0f, "NaN gradients are cleared");
                }
                try (GradientCollector gc = Torch.gradients()) {
                    gc.backward(p.square().sum());
                }
                assertEquals(Math.sqrt(4 + 16), opt.step(0.1f, 0f), 1e-5, "the next step sees only its own gradient");
                assertEquals(1, opt.steps());
            }
        }
    }

    // Golden values from transformers' optimization.py lambdas, worked out by hand for total T = 10, warmup W = 3,
    // peak lr 1: warmup s / max(1, W); linear max(0, (T - s) / max(1, T - W)); cosine (num_cycles 0.5)
    // max(0, 0.5 * (1 + cos(pi * (s - W) / max(1, T - W)))). Step s is the 0-based optimizer step.
    @Test
    void warmupStartsFromZeroAtStepZero() {
        double[] warm = {0.0, 1.0 / 3, 2.0 / 3}; // s / W for s = 0, 1, 2
        for (int s = 0; s < 3; s++) {
            assertEquals(warm[s], Schedules.constantWithWarmup(s, 3, 1), 1e-12, "constant_with_warmup at " + s);
            assertEquals(warm[s], Schedules.linear(s, 3, 10, 1), 1e-12, "linear at " + s);
            assertEquals(warm[s], Schedules.cosine(s, 3, 10, 1), 1e-12, "cosine at " + s);
        }
        assertEquals(1.0, Schedules.constantWithWarmup(3, 3, 1), 1e-12, "the peak is reached at step W");
        assertEquals(1.0, Schedules.constantWithWarmup(9, 3, 1), 1e-12);
        assertEquals(2e-5, Schedules.constant(0, 2e-5), 1e-20, "constant does not warm up");
        assertEquals(2e-5, Schedules.constant(9, 2e-5), 1e-20);
        assertEquals(0.0, Schedules.linear(0, 1, 10, 1), 1e-12, "one warmup step: step 0 runs at lr 0");
        assertEquals(1.0, Schedules.linear(0, 0, 10, 1), 1e-12, "no warmup: step 0 runs at the peak");
    }

    @Test
    void linearAndCosineDecayGoldenValues() {
        // linear, s = 3..10: (10 - s) / 7
        double[] linear = {1.0, 0.8571428571428571, 0.7142857142857143, 0.5714285714285714, 0.42857142857142855,
            0.2857142857142857, 0.14285714285714285, 0.0};
        // cosine, s = 3..10: 0.5 * (1 + cos(pi * (s - 3) / 7)); cos(pi/7) = 0.9009688679, cos(2pi/7) = 0.6234898019,
        // cos(3pi/7) = 0.2225209340 and their negatives past pi/2
        double[] cosine = {1.0, 0.9504844339512095, 0.8117449009293668, 0.6112604669781572, 0.3887395330218429,
            0.1882550990706332, 0.04951556604879043, 0.0};
        for (int s = 3; s <= 10; s++) {
            assertEquals(linear[s - 3], Schedules.linear(s, 3, 10, 1), 1e-9, "linear at " + s);
            assertEquals(cosine[s - 3], Schedules.cosine(s, 3, 10, 1), 1e-9, "cosine at " + s);
            assertEquals(3e-4 * cosine[s - 3], Schedules.cosine(s, 3, 10, 3e-4), 1e-13, "scales with the peak lr");
        }
        assertEquals(0.0, Schedules.linear(12, 3, 10, 1), 1e-12, "linear stays at 0 past the end");
    }

    @Test
    void warmupStepsRoundUpAsTransformersDoes() {
        assertEquals(3, Schedules.warmupSteps(10, 0.25), "ceil(2.5)");
        assertEquals(2, Schedules.warmupSteps(20, 0.1), "ceil(2.0)");
        assertEquals(1, Schedules.warmupSteps(5, 0.1), "ceil(0.5): any ratio > 0 warms up at least one step");
        assertEquals(8, Schedules.warmupSteps(100, 0.07), "100 * 0.07 = 7.000000000000001 in doubles, as in Python");
        assertEquals(0, Schedules.warmupSteps(10, 0.0));
        assertThrows(IllegalArgumentException.class, () -> Schedules.warmupSteps(10, -0.1));
        assertThrows(IllegalArgumentException.class, () -> Schedules.linear(-1, 3, 10, 1));
    }
}
