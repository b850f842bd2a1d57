package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** {@link Torch#copyInto}: an in-place copy that leaves a trainable parameter a leaf; device names. */
class TorchCopyTest {
    @Test
    void copiesIntoATrainableParameterWhichStillGetsItsGradient() {
        try (NDManager m = Torch.manager()) {
            NDArray p = m.zeros(new Shape(2, 3));
            p.setRequiresGradient(true);
            Torch.copyInto(p, m.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3)));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, p.toFloatArray());
            try (GradientCollector gc = Torch.gradients()) {
                gc.backward(p.mul(p).sum());
            }
            assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, p.getGradient().toFloatArray());

            NDArray half = m.zeros(new Shape(2), DataType.FLOAT16);
            Torch.copyInto(half, m.create(new float[] {0.5f, -2f}));
            assertEquals(DataType.FLOAT16, half.getDataType());
            assertArrayEquals(new float[] {0.5f, -2f}, half.toType(DataType.FLOAT32, false).toFloatArray());

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Torch.copyInto(m.zeros(new Shape(3, 2)), m.zeros(new Shape(2, 3))));
            assertTrue(e.getMessage().contains("(2, 3) into one of (3, 2)"), e.getMessage());
        }
    }

    @Test
    void devicesAreNamedAsSettingsSpellThem() {
        assertEquals("cpu", Torch.name(Device.cpu()));
        assertEquals("gpu:0", Torch.name(Device.gpu()));
        assertEquals("gpu:3", Torch.name(Device.gpu(3)));
        assertEquals("gpu:0", Torch.name(Torch.device("gpu", "--device")));
    }
}
