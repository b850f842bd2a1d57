package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.NonFiniteLogitsException;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.nn.CausalLM;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * FP16 overflow: a tiny Qwen3 whose layer-1 MLP is scaled so that its output passes float16's 65504 while staying
 * finite in float32, as BF16-trained weights can.
 */
class NonFiniteTest {
    private static final List<int[]> PROMPTS = List.of(new int[] {5, 17, 3}, new int[] {40, 2, 9, 9, 81});

    /** Tiny Qwen3 (3 layers) with layer 1's up and down projections scaled by {@code scale}. */
    private static CausalLM model(DataType dtype, float scale) {
        CausalLM m = CausalLM.randomInit(TinyModels.qwen3(), 21, 0.2, Device.cpu(), dtype);
        if (scale != 1f) {
            m.parameters().get("model.layers.1.mlp.up_proj.weight").muli(scale);
            m.parameters().get("model.layers.1.mlp.down_proj.weight").muli(scale);
        }
        return m;
    }

    @Test
    void float32RunsTheScaledModelAndFindsNothing() {
        try (CausalLM lm = model(DataType.FLOAT32, 1000f)) {
            List<List<Completion>> out = new Generator(lm, null, Set.of(), 0).generate(PROMPTS,
                    SamplingParams.sample(2, 6, 3), null);
            for (List<Completion> g : out) {
                for (Completion c : g) {
                    assertEquals(6, c.tokenIds().length);
                    for (float lp : c.logprobs()) {
                        assertTrue(Float.isFinite(lp), "float32 keeps the scaled activations finite");
                    }
                }
            }
            assertNull(lm.firstNonFinite(PROMPTS.get(1)));
        }
    }

    @Test
    void float16OverflowStopsGenerationAndNamesTheLayer() {
        try (CausalLM lm = model(DataType.FLOAT16, 1000f)) {
            Generator gen = new Generator(lm, null, Set.of(), 0);
            NonFiniteLogitsException e = assertThrows(NonFiniteLogitsException.class,
                    () -> gen.generate(PROMPTS, 7, SamplingParams.greedy(4), null));
            assertTrue(e.site().startsWith("model.layers.1.mlp (largest |value| entering it: "), e.site());
            assertTrue(e.site().contains("float16 holds at most 65504"), e.site());
            String m = e.getMessage();
            assertTrue(m.startsWith("non-finite logits (NaN or infinity) while generating prompt 7, sample 0, new"
                    + " token 0: the first non-finite output is model.layers.1.mlp"), m);
            assertTrue(m.contains("run in float32 instead (--dtype float32"), m);
        }
    }

    @Test
    void float16WithoutOverflowGeneratesAsFloat32Does() {
        try (CausalLM half = model(DataType.FLOAT16, 1f)) {
            List<List<Completion>> out = new Generator(half, null, Set.of(), 0).generate(PROMPTS,
                    SamplingParams.greedy(5), null);
            assertEquals(5, out.get(1).get(0).tokenIds().length);
            assertNull(half.firstNonFinite(PROMPTS.get(0)));
        }
    }

    @Test
    void scoredLogProbsShowTheOverflowAndTheDiagnosisNamesIt() {
        try (CausalLM lm = model(DataType.FLOAT16, 1000f); NDManager m = lm.manager().newSubManager()) {
            int[] completion = {7, 8, 9};
            float[] lp = LogProbScorer.score(lm, m, List.of(PROMPTS.get(0)), List.of(completion), 1.0, false)
                    .logprobs().toFloatArray();
            assertFalse(Float.isFinite(lp[0]), "a non-finite row shows in the pulled log-probs");
            NonFiniteLogitsException e = NonFiniteLogitsException.diagnose(lm, "scoring row 0", PROMPTS.get(0),
                    completion);
            assertTrue(e.getMessage().contains("while scoring row 0: the first non-finite output is"
                    + " model.layers.1.mlp"), e.getMessage());
        }
    }

    @Test
    void float32NonFiniteWeightsPointAtTheCheckpoint() {
        try (CausalLM lm = model(DataType.FLOAT32, 1f)) {
            lm.parameters().get("model.layers.2.self_attn.v_proj.weight").muli(Float.NaN);
            String site = lm.firstNonFinite(PROMPTS.get(0));
            assertTrue(site.startsWith("model.layers.2.self_attn"), site);
            NonFiniteLogitsException e = assertThrows(NonFiniteLogitsException.class,
                    () -> new Generator(lm, null, Set.of(), 0).generate(PROMPTS, SamplingParams.greedy(2), null));
            assertTrue(e.getMessage().contains("runs in float32, so its weights themselves give non-finite values:"
                    + " check the checkpoint"), e.getMessage());
        }
    }
}
