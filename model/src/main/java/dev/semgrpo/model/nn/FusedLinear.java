package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * Projections that read the same input, run as one matmul: q/k/v, or gate/up. The weight is one array of the
 * members' rows stacked in order (built at load time from HF's separate tensors); each member {@link Linear} holds a
 * view of its rows, so HF names, saving, in-place updates and LoRA adapters all work per member. An adapter's update
 * is added to its member's columns of the output.
 */
final class FusedLinear {
    private final Linear[] members;
    private final NDArray weight; // (sum of out, in)
    private final NDArray bias; // (sum of out) or null

    FusedLinear(Linear[] members, NDArray weight, NDArray bias) {
        this.members = members;
        this.weight = weight;
        this.bias = bias;
    }

    Linear[] members() {
        return members;
    }

    /** The stacked weight: the array training updates and the members' weights are views of. */
    NDArray weight() {
        return weight;
    }

    /** The stacked bias, or null. */
    NDArray bias() {
        return bias;
    }

    /** {@code x (..., in)} to {@code (..., sum of out)}, members' outputs side by side. */
    NDArray forward(NDArray x, Mode mode) {
        NDArray y = Projection.apply(x, weight, bias);
        if (!mode.adapters() || !anyAdapter()) {
            return y;
        }
        NDList deltas = new NDList(members.length);
        for (Linear m : members) {
            if (m.lora() != null) {
                deltas.add(m.lora().forward(x, mode.training()));
            } else {
                Shape s = y.getShape();
                long[] dims = s.getShape().clone();
                dims[dims.length - 1] = m.outFeatures();
                deltas.add(y.getManager().zeros(new Shape(dims), y.getDataType()));
            }
        }
        return y.add(NDArrays.concat(deltas, -1));
    }

    private boolean anyAdapter() {
        for (Linear m : members) {
            if (m.lora() != null) {
                return true;
            }
        }
        return false;
    }
}
