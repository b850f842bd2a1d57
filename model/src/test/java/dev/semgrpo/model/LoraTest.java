package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.io.SafetensorsFile;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.model.nn.CausalLM;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraTest {
    @TempDir
    Path dir;

    private static final LoraConfig CFG = new LoraConfig(4, 8, 0.0, List.of("q_proj", "k_proj", "v_proj", "o_proj",
            "gate_proj", "up_proj", "down_proj"), false);

    private static float[] logits(CausalLM model) {
        try (NDManager m = NDManager.newBaseManager()) {
            long[] ids = {3, 14, 15, 92, 65, 35, 8};
            return model.forward(m.create(ids, new Shape(1, ids.length)), null, null, null, false).toFloatArray();
        }
    }

    private static void randomizeB(CausalLM model) {
        TinyModels.randomizeB(model, 0.1, 5);
    }


    @Test
    void adapterWithZeroBEqualsBaseAndDisableRestoresIt() {
        for (var c : TinyModels.all()) {
            try (CausalLM model = TinyModels.random(c, 31)) {
                float[] base = logits(model);
                List<NDArray> params = Lora.attach(model, CFG, 1);
                assertEquals(2 * 7 * c.numLayers(), params.size());
                assertArrayEquals(base, logits(model), "B = 0 leaves the output unchanged");
                randomizeB(model);
                float[] adapted = logits(model);
                assertTrue(maxDiff(base, adapted) > 1e-3, "a non-zero B changes the output");
                model.setAdaptersEnabled(false);
                assertArrayEquals(base, logits(model), "adapters off is the base (reference) model");
            }
        }
    }

    @Test
    void mergedWeightsGiveTheAdapterForward() {
        for (var c : TinyModels.all()) {
            try (CausalLM model = TinyModels.random(c, 32)) {
                Lora.attach(model, CFG, 2);
                randomizeB(model);
                float[] adapted = logits(model);
                model.mergeAdapters();
                assertTrue(Lora.parameters(model).isEmpty());
                float[] merged = logits(model);
                assertTrue(maxDiff(adapted, merged) < 1e-4, c.architecture() + ": " + maxDiff(adapted, merged));
            }
        }
    }

    @Test
    void peftRoundTripAndGradientsReachOnlyTheAdapters() throws IOException {
        try (CausalLM model = TinyModels.random(TinyModels.qwen3(), 33)) {
            List<NDArray> params = Lora.attach(model, CFG, 3);
            randomizeB(model);
            float[] adapted = logits(model);
            Path out = dir.resolve("adapter");
            Lora.save(model, CFG, out, "tiny-qwen3");
            try (SafetensorsFile f = SafetensorsFile.open(out.resolve(Lora.WEIGHTS))) {
                assertTrue(f.tensors().containsKey("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
                assertArrayEquals(new long[] {4, 32},
                        f.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape());
                assertArrayEquals(new long[] {64, 4},
                        f.info("base_model.model.model.layers.2.mlp.up_proj.lora_B.weight").shape());
            }
            try (CausalLM fresh = TinyModels.random(TinyModels.qwen3(), 33)) {
                LoraConfig read = Lora.load(fresh, out);
                assertEquals(CFG, read);
                assertArrayEquals(adapted, logits(fresh));
            }
            try (NDManager m = NDManager.newBaseManager(); GradientCollector gc = Engine.getInstance()
                    .newGradientCollector()) {
                LogProbScorer.Scores s = LogProbScorer.score(model, m, List.of(new int[] {1, 2, 3}),
                        List.of(new int[] {4, 5}), 1.0, false);
                gc.backward(s.logprobs().sum().neg());
                for (NDArray p : params) {
                    try (NDArray g = p.getGradient()) {
                        assertTrue(g.abs().sum().getFloat() > 0, "every adapter factor gets a gradient");
                    }
                }
            }
        }
    }

    @Test
    void aBadAdapterIsRejectedAndLeavesTheModelWithoutAdapters() throws IOException {
        try (CausalLM model = TinyModels.random(TinyModels.qwen3(), 34)) {
            Lora.attach(model, CFG, 4);
            Path out = dir.resolve("adapter-r4");
            Lora.save(model, CFG, out, null);
            java.nio.file.Files.writeString(out.resolve(Lora.CONFIG), java.nio.file.Files.readString(
                    out.resolve(Lora.CONFIG)).replace("\"r\" : 4", "\"r\" : 8"));
            try (CausalLM fresh = TinyModels.random(TinyModels.qwen3(), 34)) {
                float[] base = logits(fresh);
                IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                        () -> Lora.load(fresh, out));
                assertTrue(e.getMessage().contains("has shape [4, 32], expected [8, 32] (r=8, "), e.getMessage());
                assertTrue(Lora.parameters(fresh).isEmpty(), "no half-loaded adapters stay attached");
                assertArrayEquals(base, logits(fresh));
            }
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
