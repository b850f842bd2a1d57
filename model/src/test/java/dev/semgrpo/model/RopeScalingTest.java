package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.semgrpo.model.config.RopeScaling;
import org.junit.jupiter.api.Test;

/**
 * Golden values of the scaled inverse frequencies, worked out by hand from transformers' formulas
 * (modeling_rope_utils.py) for head_dim 8 and theta 10000, where the unscaled frequencies are
 * {@code 10000^(-2i/8) = 1, 0.1, 0.01, 0.001}.
 */
class RopeScalingTest {
    private static final double[] PLAIN = {1.0, 0.1, 0.01, 0.001};

    @Test
    void defaultAndLinear() {
        assertArrayEquals(PLAIN, RopeScaling.inverseFrequencies(8, 10000, null), 1e-15);
        // linear: every frequency divided by the factor (positions divided by it)
        assertArrayEquals(new double[] {0.5, 0.05, 0.005, 0.0005},
                RopeScaling.inverseFrequencies(8, 10000, new RopeScaling.Linear(2.0)), 1e-15);
        assertEquals(1.0, RopeScaling.attentionScaling(new RopeScaling.Linear(2.0)));
        assertEquals(1.0, RopeScaling.attentionScaling(null));
    }

    @Test
    void llama3() {
        // factor 8, low 1, high 4, original 64: low_wavelen 64, high_wavelen 16; wavelengths 2*pi/inv =
        // 6.28 (kept), 62.8 (smoothed), 628 and 6283 (divided by 8). smooth = (64 / 62.83 - 1) / (4 - 1) = 0.0061972,
        // inv = (1 - smooth) * 0.1 / 8 + smooth * 0.1 = 0.0130423
        assertArrayEquals(new double[] {1.0, 0.013042256043820465, 0.00125, 0.000125},
                RopeScaling.inverseFrequencies(8, 10000, new RopeScaling.Llama3(8, 1, 4, 64)), 1e-12);
    }

    @Test
    void yarn() {
        // factor 4, original 64, beta_fast 32, beta_slow 1. correction dim(r) = 8 ln(64 / (2 pi r)) / (2 ln 10000):
        // r = 32 -> -0.497, r = 1 -> 1.008. Truncated: low = max(floor(-0.497), 0) = 0, high = ceil(1.008) = 2, so the
        // ramp (i - 0) / 2 is 0, 0.5, 1, 1 and inv = inv / 4 * ramp + inv * (1 - ramp)
        RopeScaling.Yarn y = RopeScaling.Yarn.of(4, 64);
        assertArrayEquals(new double[] {1.0, 0.0625, 0.0025, 0.00025}, RopeScaling.inverseFrequencies(8, 10000, y),
                1e-12);
        // not truncated (transformers 5's truncate: false): low 0, high 1.008, ramp at i = 1 is 1 / 1.008 = 0.99206
        RopeScaling.Yarn loose = new RopeScaling.Yarn(4, 64, 32, 1, null, null, null, false);
        assertArrayEquals(new double[] {1.0, 0.02559524589192421, 0.0025, 0.00025},
                RopeScaling.inverseFrequencies(8, 10000, loose), 1e-12);
        // attention factor on cos and sin: 0.1 ln(4) + 1 by default; mscale 1 over mscale_all_dim 0.5 gives
        // (0.1 ln 4 + 1) / (0.05 ln 4 + 1); an explicit attention_factor wins; factor 1 gives 1
        assertEquals(1.138629436111989, y.attentionScaling(), 1e-12);
        assertEquals(1.0648216253695715, new RopeScaling.Yarn(4, 64, 32, 1, null, 1.0, 0.5, true).attentionScaling(),
                1e-12);
        assertEquals(0.9, new RopeScaling.Yarn(4, 64, 32, 1, 0.9, 1.0, 0.5, true).attentionScaling(), 0);
        assertEquals(1.0, RopeScaling.Yarn.of(1, 64).attentionScaling(), 0);
    }

    @Test
    void yarnOnQwen3Settings() {
        // Qwen3 long context: head_dim 128, theta 1e6, factor 4 over 32768 positions. Correction dims:
        // 128 ln(32768 / (64 pi)) / (2 ln 1e6) = 23.60 -> floor 23;
        // 128 ln(32768 / (2 pi)) / (2 ln 1e6) = 39.65 -> ceil 40
        double[] got = RopeScaling.inverseFrequencies(128, 1e6, RopeScaling.Yarn.of(4, 32768));
        for (int i = 0; i < 64; i++) {
            double plain = Math.pow(1e6, -2.0 * i / 128);
            double ramp = Math.min(1, Math.max(0, (i - 23) / 17.0));
            assertEquals(plain * (1 - ramp) + plain / 4 * ramp, got[i], 1e-15, "dimension " + i);
        }
        assertEquals(Math.pow(1e6, -2.0 * 23 / 128), got[23], 1e-18, "dimension 23 is still extrapolated");
        assertEquals(Math.pow(1e6, -2.0 * 40 / 128) / 4, got[40], 1e-18, "dimension 40 is fully interpolated");
    }

    @Test
    void badParametersAreNamed() {
        assertEquals("factor must be a number >= 1, found 0.5",
                assertThrows(IllegalArgumentException.class, () -> new RopeScaling.Linear(0.5)).getMessage());
        assertEquals("yarn needs beta_fast >= beta_slow > 0, found beta_fast=1.0, beta_slow=32.0",
                assertThrows(IllegalArgumentException.class,
                        () -> new RopeScaling.Yarn(4, 64, 1, 32, null, null, null, true)).getMessage());
    }
}
