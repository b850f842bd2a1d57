package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.nn.CausalLM;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ForwardParityTest {
    static Iterable<ModelConfig> configs() {
        return TinyModels.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void djlForwardEqualsNaiveJava(ModelConfig c) {
        int[] tokens = {5, 17, 3, 90, 42, 42, 7, 64, 1, 33, 11};
        try (CausalLM model = TinyModels.random(c, 7); NDManager m = NDManager.newBaseManager()) {
            float[][] expected = new ReferenceDecoder(c, TinyModels.weights(model)).forward(tokens);
            long[] ids = new long[tokens.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = tokens[i];
            }
            NDArray logits = model.forward(m.create(ids, new Shape(1, ids.length)), null, null, null, false);
            assertEquals(new Shape(1, tokens.length, c.vocabSize()), logits.getShape());
            float[] got = logits.toFloatArray();
            double maxDiff = 0;
            double maxAbs = 0;
            for (int t = 0; t < tokens.length; t++) {
                for (int v = 0; v < c.vocabSize(); v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got[t * c.vocabSize() + v] - expected[t][v]));
                    maxAbs = Math.max(maxAbs, Math.abs(expected[t][v]));
                }
            }
            assertTrue(maxAbs > 0.1, "logits should not be trivially small, max |logit| = " + maxAbs);
            assertTrue(maxDiff < 1e-4, c.architecture() + ": max |djl - naive| = " + maxDiff);
        }
    }
}
