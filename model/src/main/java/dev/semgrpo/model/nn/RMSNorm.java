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

    NDArray weight() {
        return weight;
    }

    NDArray forward(NDArray x) {
        return apply(x, weight, eps, false);
    }

    /** With {@code inplace}, the weight multiplies the normalised copy in place (no gradients are recorded). */
    NDArray forward(NDArray x, boolean inplace) {
        return apply(x, weight, eps, inplace);
    }

    /** The norm with any weight that broadcasts against {@code x}, e.g. one row per attention head. */
    static NDArray apply(NDArray x, NDArray weight, float eps, boolean inplace) {
        DataType dt = x.getDataType();
        NDArray x32 = dt == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray rms = x32.square().mean(new int[] {-1}, true).add(eps).sqrt();
        NDArray normed = x32.div(rms);
        if (dt != DataType.FLOAT32) {
            normed = normed.toType(dt, false);
        }
        return inplace ? normed.muli(weight) : normed.mul(weight); // the weight's axes are normed's last ones
    }
}
