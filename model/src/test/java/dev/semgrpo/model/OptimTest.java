package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void schedulesByHand() {
        assertEquals(0.1, Schedules.linear(0, 10, 100, 1), 1e-12);
        assertEquals(1.0, Schedules.linear(10, 10, 100, 1), 1e-12);
        assertEquals(0.5, Schedules.linear(55, 10, 100, 1), 1e-12);
        assertEquals(0.0, Schedules.linear(100, 10, 100, 1), 1e-12);
        assertEquals(0.5, Schedules.cosine(55, 10, 100, 1), 1e-12);
        assertEquals(1.0, Schedules.cosine(10, 10, 100, 1), 1e-12);
        assertEquals(0.0, Schedules.cosine(100, 10, 100, 1), 1e-12);
    }
}
