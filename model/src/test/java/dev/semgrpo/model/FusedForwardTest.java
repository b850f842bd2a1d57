package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.nn.KVCache;
import dev.semgrpo.model.nn.Linear;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The fused forward (stacked q/k/v and gate/up, one q/k norm, one RoPE, weight-first skinny matmuls) against the
 * unfused forward it replaced, kept as the oracle: logits, greedy tokens and log-probs, LoRA gradients, and adapters
 * merged for decoding, on all three architectures.
 */
class FusedForwardTest {
    private static final double TOLERANCE = 1e-5;
    private static final LoraConfig ALL = new LoraConfig(4, 8, 0.0, List.of("q_proj", "k_proj", "v_proj", "o_proj",
            "gate_proj", "up_proj", "down_proj"), false);
    /** PEFT's default targets: k has no adapter, so the fused q/k/v adds a zero block for it. */
    private static final LoraConfig QV = new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj"), false);

    /** Log-softmax of the logits of left-padded rows of different lengths, (rows, T, V), as floats. */
    private static float[] logProbs(CausalLM model, int rows, int len, long seed) {
        Random r = new Random(seed);
        long[] ids = new long[rows * len];
        float[] mask = new float[rows * len];
        long[] pos = new long[rows * len];
        for (int i = 0; i < rows; i++) {
            int pad = i % 3;
            for (int t = 0; t < len; t++) {
                ids[i * len + t] = t < pad ? 0 : r.nextInt(TinyModels.VOCAB);
                mask[i * len + t] = t < pad ? 0 : 1;
                pos[i * len + t] = Math.max(0, t - pad);
            }
        }
        try (NDManager m = model.manager().newSubManager()) {
            return model.forward(m.create(ids, new Shape(rows, len)), m.create(pos, new Shape(rows, len)),
                    m.create(mask, new Shape(rows, len)), null, false).logSoftmax(-1).toFloatArray();
        }
    }

    private static float[] bothPaths(CausalLM model, java.util.function.Supplier<float[]> f, float[][] unfusedOut) {
        model.setUnfusedForward(true);
        unfusedOut[0] = f.get();
        model.setUnfusedForward(false);
        return f.get();
    }

    private static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void fullForwardLogProbsMatchTheUnfusedForwardWithAndWithoutAdapters() {
        // 2 rows x 6 tokens takes the usual matmul order, 4 x 7 (28 rows) the weight-first one, 20 x 8 the usual again
        int[][] shapes = {{2, 6}, {4, 7}, {20, 8}};
        for (ModelConfig c : TinyModels.all()) {
            for (LoraConfig lora : new LoraConfig[] {null, ALL, QV}) {
                try (CausalLM model = TinyModels.random(c, 41)) {
                    if (lora != null) {
                        Lora.attach(model, lora, 3);
                        TinyModels.randomizeB(model, 0.1, 4);
                    }
                    for (int[] s : shapes) {
                        float[][] oracle = new float[1][];
                        float[] fused = bothPaths(model, () -> logProbs(model, s[0], s[1], 9), oracle);
                        double d = maxDiff(oracle[0], fused);
                        assertTrue(d <= TOLERANCE, c.architecture() + " " + (lora == null ? "base" : lora.targetModules())
                                + " " + s[0] + "x" + s[1] + ": log-probs differ by " + d);
                    }
                }
            }
        }
    }

    private static List<int[]> prompts(int count, long seed) {
        Random r = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] p = new int[3 + i % 4];
            for (int j = 0; j < p.length; j++) {
                p[j] = 4 + r.nextInt(TinyModels.VOCAB - 4);
            }
            out.add(p);
        }
        return out;
    }

    @Test
    void greedyTokensAreIdenticalAndLogProbsCloseWithAdaptersMergedForDecoding() {
        for (ModelConfig c : TinyModels.all()) {
            for (boolean adapters : new boolean[] {false, true}) {
                try (CausalLM model = TinyModels.random(c, 43)) {
                    if (adapters) {
                        Lora.attach(model, ALL, 5);
                        TinyModels.randomizeB(model, 0.1, 6);
                    }
                    // 12 rows decode weight-first, 3 rows in the usual order
                    for (int[] shape : new int[][] {{12, 1}, {3, 1}}) {
                        Generator gen = new Generator(model, null, Set.of(), 0);
                        List<int[]> ps = prompts(shape[0], 7);
                        SamplingParams greedy = SamplingParams.greedy(12);
                        model.setUnfusedForward(true);
                        List<List<Completion>> oracle = gen.generate(ps, greedy, null);
                        model.setUnfusedForward(false);
                        List<List<Completion>> fused = gen.generate(ps, greedy, null);
                        for (int i = 0; i < ps.size(); i++) {
                            for (int k = 0; k < shape[1]; k++) {
                                Completion o = oracle.get(i).get(k);
                                Completion f = fused.get(i).get(k);
                                String where = c.architecture() + (adapters ? " with adapters" : "") + ", prompt " + i
                                        + ", sample " + k;
                                assertArrayEquals(o.tokenIds(), f.tokenIds(), where);
                                double d = maxDiff(o.logprobs(), f.logprobs());
                                assertTrue(d <= TOLERANCE, where + ": log-probs differ by " + d);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void loraGradientsMatchTheUnfusedForward() {
        for (ModelConfig c : TinyModels.all()) {
            try (CausalLM model = TinyModels.random(c, 47)) {
                List<NDArray> factors = Lora.attach(model, QV, 8);
                TinyModels.randomizeB(model, 0.05, 9);
                List<int[]> ps = prompts(4, 10);
                List<int[]> completions = prompts(4, 11);
                List<float[]> oracle = gradients(model, factors, ps, completions, true);
                List<float[]> fused = gradients(model, factors, ps, completions, false);
                for (int i = 0; i < factors.size(); i++) {
                    double scale = 0;
                    for (float v : oracle.get(i)) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                    double d = maxDiff(oracle.get(i), fused.get(i));
                    assertTrue(d <= TOLERANCE * Math.max(1, scale), c.architecture() + " factor " + i + ": gradients"
                            + " differ by " + d + " (largest " + scale + ")");
                }
            }
        }
    }

    private static List<float[]> gradients(CausalLM model, List<NDArray> factors, List<int[]> prompts,
            List<int[]> completions, boolean unfused) {
        model.setUnfusedForward(unfused);
        try (NDManager m = model.manager().newSubManager();
                GradientCollector gc = Torch.engine().newGradientCollector()) {
            LogProbScorer.Scores s = LogProbScorer.score(model, m, prompts, completions, 1.0, false);
            gc.backward(s.logprobs().mul(s.mask()).sum().neg());
            List<float[]> out = new ArrayList<>();
            for (NDArray f : factors) {
                try (NDArray g = f.getGradient()) {
                    out.add(g.toFloatArray());
                    g.muli(0f); // PyTorch accumulates gradients; the next backward starts from zero
                }
            }
            return out;
        } finally {
            model.setUnfusedForward(false);
        }
    }

    private static Map<String, int[]> bits(CausalLM model) {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            out.put(e.getKey(), toBits(e.getValue()));
        }
        for (Linear l : model.projections()) {
            if (l.lora() != null) {
                out.put(l.name() + ".A", toBits(l.lora().a()));
                out.put(l.name() + ".B", toBits(l.lora().b()));
            }
        }
        return out;
    }

    private static int[] toBits(NDArray a) {
        float[] v = a.toFloatArray();
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    private static void assertSameBits(Map<String, int[]> before, Map<String, int[]> after, String what) {
        assertEquals(before.keySet(), after.keySet());
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), what + ": " + k + " changed");
        }
    }

    @Test
    void aRolloutLeavesEveryWeightBitForBitAsItWas() {
        for (ModelConfig c : TinyModels.all()) {
            // B large enough that (W + D) - D misses W in many elements, so the kept values do the restoring
            for (double std : new double[] {0.0, 1e-3, 0.5}) {
                try (CausalLM model = TinyModels.random(c, 53)) {
                    Lora.attach(model, ALL, 12);
                    TinyModels.randomizeB(model, std, 13);
                    Map<String, int[]> before = bits(model);
                    long restored;
                    try (CausalLM.AdapterMerge merge = model.mergeAdaptersForDecoding()) {
                        assertEquals(7 * c.numLayers(), merge.projections());
                        restored = merge.restoredElements();
                        assertThrows(IllegalStateException.class, () -> model.setAdaptersEnabled(false));
                        assertThrows(IllegalStateException.class, model::mergeAdaptersForDecoding);
                        assertThrows(IllegalStateException.class, () -> model.useAdapters(Map.of()));
                    }
                    if (std == 0.0) {
                        assertEquals(0, restored, "a zero B merges exactly");
                    }
                    if (std == 0.5) {
                        assertTrue(restored > 0, c.architecture() + ": a large update must exercise the restore");
                    }
                    assertSameBits(before, bits(model), c.architecture() + ", B ~ N(0, " + std + ")");
                    new Generator(model, null, Set.of(), 0).generate(prompts(3, 14),
                            SamplingParams.sample(4, 8, 2).withTemperature(0.8).withTopP(0.9), null);
                    assertSameBits(before, bits(model), c.architecture() + " after sampling");
                    model.setAdaptersEnabled(false); // the reference model is the untouched base again
                    model.setAdaptersEnabled(true);
                }
            }
        }
    }

    @Test
    void stackedWeightsAreWhatTheNamedViewsHold() {
        for (ModelConfig c : TinyModels.all()) {
            try (CausalLM model = TinyModels.random(c, 59)) {
                long stored = 0;
                for (NDArray a : model.trainableWeights()) {
                    stored += a.getShape().size();
                }
                assertEquals(model.parameterCount(), stored, "the stacked arrays hold every parameter once");
                // writing through a view changes what the forward computes
                float[] before = logProbs(model, 2, 5, 3);
                model.parameters().get("model.layers.0.self_attn.k_proj.weight").muli(3f);
                model.parameters().get("model.layers.0.mlp.up_proj.weight").muli(-1f);
                assertTrue(maxDiff(before, logProbs(model, 2, 5, 3)) > 1e-3, c.architecture().toString());
                try (NDManager m = model.manager().newSubManager();
                        KVCache cache = KVCache.allocate(m, c, 1, 8, DataType.FLOAT32)) {
                    assertEquals(c.vocabSize(), model.forward(m.create(new long[] {5, 6}, new Shape(1, 2)), null, null,
                            cache, true).getShape().get(2));
                }
            }
        }
    }
}
