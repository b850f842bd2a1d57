package dev.semgrpo.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * {@code x W^T + b} over the last axis of {@code x}, with the operand order chosen for the BLAS. On the CPU a skinny
 * activation (9 to 128 rows: a decode step's batch) is multiplied from the right, {@code (W x^T)^T}: MKL's sgemm then
 * packs the small operand instead of the weight, which at 16 rows ran a layer of the benchmark model's fused
 * projections in 636 us instead of 1,555 us (a microbenchmark on the 2-core development machine; below 9 rows the
 * usual order was as fast or faster, and past 128 rows the gain fades).
 * The result is the transposed view of the product, so no copy is made. The rule depends only on the device and the
 * row count, so a run computes the same bits every time. On GPUs cuBLAS handles both orders alike.
 */
public final class Projection {
    /** Fewest rows multiplied weight-first on the CPU. */
    static final long SKINNY_MIN_ROWS = 9;
    /** Most rows multiplied weight-first on the CPU. */
    static final long SKINNY_MAX_ROWS = 128;

    private Projection() {
    }

    /** {@code x (..., in)} times {@code weight (out, in)} transposed, plus {@code bias (out)} when not null. */
    public static NDArray apply(NDArray x, NDArray weight, NDArray bias) {
        Shape s = x.getShape();
        long in = s.get(s.dimension() - 1);
        long rows = in == 0 ? 0 : s.size() / in;
        if (rows >= SKINNY_MIN_ROWS && rows <= SKINNY_MAX_ROWS && x.getDevice().getDeviceType().equals(Device.Type.CPU)) {
            boolean flat = s.dimension() == 2;
            NDArray y = weight.matMul((flat ? x : x.reshape(rows, in)).transpose()).transpose(); // (rows, out) view
            if (bias != null) {
                y = y.add(bias);
            }
            if (flat) {
                return y;
            }
            long[] dims = s.getShape().clone();
            dims[dims.length - 1] = weight.getShape().get(0);
            return y.reshape(new Shape(dims));
        }
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }
}
