package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** {@code y = w * x / sqrt(mean(x^2) + eps)} over the last axis, computed in FP32 as transformers does. */
final class RMSNorm {
    private final NDArray weight; // (dim)
    private final float eps;

    RMSNorm(NDArray weight, double eps) {
        this.weight = weight;
        this.eps = (float) eps;
    }

    NDArray forward(NDArray x) {
        DataType dt = x.getDataType();
        NDArray x32 = dt == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray rms = x32.square().mean(new int[] {-1}, true).add(eps).sqrt();
        NDArray normed = x32.div(rms);
        if (dt != DataType.FLOAT32) {
            normed = normed.toType(dt, false);
        }
        return normed.mul(weight);
    }
}
