package dev.semgrpo.rewards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.Torch;
import dev.semgrpo.rewards.encoder.Pooling;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolingTest {
    @Test
    void poolingModesOnHandMadeStates() {
        try (NDManager m = Torch.manager()) {
            // one row of 3 tokens (the last is padding), hidden 2
            NDArray h = m.create(new float[] {1, 10, 3, -2, 100, 100}, new Shape(1, 3, 2));
            NDArray mask = m.create(new long[] {1, 1, 0}, new Shape(1, 3));
            assertArrayEquals(new float[] {1, 10}, Pooling.pool(h, mask, List.of(Pooling.CLS)).toFloatArray());
            assertArrayEquals(new float[] {2, 4}, Pooling.pool(h, mask, List.of(Pooling.MEAN)).toFloatArray());
            assertArrayEquals(new float[] {3, 10}, Pooling.pool(h, mask, List.of(Pooling.MAX)).toFloatArray());
            assertArrayEquals(new float[] {3, -2}, Pooling.pool(h, mask, List.of(Pooling.LASTTOKEN)).toFloatArray());
            assertArrayEquals(new float[] {4 / (float) Math.sqrt(2), 8 / (float) Math.sqrt(2)},
                    Pooling.pool(h, mask, List.of(Pooling.MEAN_SQRT_LEN)).toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {1, 10, 2, 4}, Pooling.pool(h, mask, List.of(Pooling.CLS, Pooling.MEAN))
                    .toFloatArray(), "several modes are concatenated");
        }
    }
}
