package dev.semgrpo.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class Nd4jSmokeTest {
    @Test
    void matmul() {
        INDArray a = Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}});
        INDArray b = a.mmul(a);
        assertEquals(22.0, b.getDouble(1, 1), 1e-9);
    }
}
