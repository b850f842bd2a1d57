package dev.semgrpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.BinaryOperator;

/**
 * Array-by-number arithmetic that is safe under autograd. Use these instead of DJL's {@code mul(Number)},
 * {@code div(Number)}, {@code maximum(Number)} and {@code minimum(Number)} wherever the result can take part in a
 * backward pass.
 *
 * <p>Why: DJL 0.35.1's PyTorch engine turns the number into a 0-d tensor that wraps a Java direct buffer
 * ({@code torch::from_blob}, no copy) and closes that array as soon as the op returns. PyTorch's autograd keeps the
 * tensor for the backward ({@code MulBackward0} and {@code DivBackward0} save the other operand, {@code maximum}
 * and {@code minimum} both), but the closed array no longer holds the buffer, so the next garbage collection frees
 * its memory. A backward after that reads freed memory: whatever was allocated there since. Training then silently
 * uses a wrong gradient, and only when a collection falls between a forward and its backward, which made two
 * identical runs diverge now and then (the more often, the more the JVM collects). Here the number is a tensor
 * PyTorch allocates and owns ({@code torch::full}), so autograd's reference keeps it alive; the values and dtypes
 * are those DJL's overloads use (a float32 0-d tensor), so results are bitwise the same whenever DJL's read was not
 * stale.
 *
 * <p>{@code add(Number)} and {@code sub(Number)} are safe as they are: their backward does not read the number.
 */
public final class Scalars {
    private Scalars() {
    }

    /** {@code x * factor}. */
    public static NDArray mul(NDArray x, float factor) {
        return apply(x, factor, NDArray::mul);
    }

    /** {@code x / divisor}. */
    public static NDArray div(NDArray x, float divisor) {
        return apply(x, divisor, NDArray::div);
    }

    /** Elementwise {@code max(x, floor)}. */
    public static NDArray maximum(NDArray x, float floor) {
        return apply(x, floor, NDArray::maximum);
    }

    /** Elementwise {@code min(x, ceiling)}. */
    public static NDArray minimum(NDArray x, float ceiling) {
        return apply(x, ceiling, NDArray::minimum);
    }

    private static NDArray apply(NDArray x, float value, BinaryOperator<NDArray> op) {
        try (NDArray s = of(x, value)) {
            return op.apply(x, s);
        }
    }

    /**
     * A float32 0-d array holding {@code value} in memory PyTorch owns, on {@code like}'s manager and device. Closing
     * it only drops this handle; autograd's saved reference keeps the memory alive.
     */
    public static NDArray of(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, DataType.FLOAT32);
    }
}
