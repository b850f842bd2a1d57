package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;
import dev.semgrpo.model.Scalars;

/**
 * A low-rank update {@code delta(x) = scale * B(A(dropout(x)))} beside a frozen {@link Linear}.
 * {@code A}: (r, in), {@code B}: (out, r), {@code scale = alpha / r} (or {@code alpha / sqrt(r)} with rsLoRA).
 */
public final class LoraAdapter {
    private NDArray a; // (r, in_features)
    private NDArray b; // (out_features, r)
    private final float scale;
    private final float dropout;

    public LoraAdapter(NDArray a, NDArray b, float scale, float dropout) {
        this.a = a;
        this.b = b;
        this.scale = scale;
        this.dropout = dropout;
    }

    public NDArray a() {
        return a;
    }

    public NDArray b() {
        return b;
    }

    /** {@code alpha / r} (or {@code alpha / sqrt(r)} with rsLoRA). */
    public float scale() {
        return scale;
    }

    /** Replaces the factors (used when loading an adapter); the old arrays are closed. */
    public void set(NDArray newA, NDArray newB) {
        a.close();
        b.close();
        a = newA;
        b = newB;
    }

    /** {@code scale * (dropout(x) A^T) B^T}; dropout only while training. */
    NDArray forward(NDArray x, boolean training) {
        NDArray in = training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
        NDArray low = in.getNDArrayInternal().linear(in, a.toType(in.getDataType(), false), null).singletonOrThrow();
        return Scalars.mul(low.getNDArrayInternal().linear(low, b.toType(in.getDataType(), false), null)
                .singletonOrThrow(), scale);
    }

    /** {@code scale * B A}: the dense update merged into the base weight, (out, in). */
    public NDArray delta() {
        return Scalars.mul(b.matMul(a), scale);
    }
}
