package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import dev.semgrpo.model.Scalars;
import dev.semgrpo.model.Torch;

/**
 * {@code y = x W^T + b}, with an optional {@link LoraAdapter} added when adapters are enabled. The weight of a
 * projection that runs fused ({@link FusedLinear}) is a view of the stacked weight's rows: writing to it in place
 * (merging, restoring a checkpoint) updates what the forward reads.
 */
public final class Linear {
    private final String name;
    private final NDArray weight; // (out_features, in_features)
    private final NDArray bias; // (out_features) or null
    private LoraAdapter lora;

    Linear(String name, NDArray weight, NDArray bias) {
        this.name = name;
        this.weight = weight;
        this.bias = bias;
    }

    /** HF module path, e.g. {@code model.layers.0.self_attn.q_proj}. */
    public String name() {
        return name;
    }

    public NDArray weight() {
        return weight;
    }

    NDArray bias() {
        return bias;
    }

    public LoraAdapter lora() {
        return lora;
    }

    public long inFeatures() {
        return weight.getShape().get(1);
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }

    void attach(LoraAdapter adapter) {
        this.lora = adapter;
    }

    /** Takes the adapter off without closing its factors (they belong to whoever attached it). */
    void release() {
        lora = null;
    }

    void detach() {
        if (lora != null) {
            lora.a().close();
            lora.b().close();
            lora = null;
        }
    }

    /** Folds the adapter into the weight, in place, and drops it: {@code W <- W + scale B A}. */
    void merge() {
        if (lora == null) {
            return;
        }
        try (NDScope scope = new NDScope()) {
            weight.addi(lora.delta().stopGradient().toType(weight.getDataType(), false));
        }
        lora = null;
    }

    /**
     * Adds the adapter's update to the weight in place, keeping the adapter, and returns what {@link #unmerge} needs
     * to give back the weight's values exactly: the elements where {@code (W + D) - D} rounds to something other than
     * {@code W}, with their values (null when there are none, as while {@code B} is zero). Held in {@code keep}'s
     * manager. (A {@code -0.0} weight comes back as {@code +0.0}, which compares equal.)
     */
    Restore mergeReversibly(NDManager keep) {
        try (NDScope scope = new NDScope()) {
            NDArray delta = update();
            NDArray merged = weight.add(delta);
            // 0 exactly where (W + D) - D gives W back (NaN where W is not finite, so those are kept too)
            NDArray at = merged.sub(delta).subi(weight).reshape(-1).nonzero().reshape(-1);
            Restore r = null;
            if (at.getShape().get(0) > 0) {
                NDArray values = weight.reshape(-1).get(new NDIndex("{}", at));
                at.attach(keep);
                values.attach(keep);
                NDScope.unregister(at, values);
                r = new Restore(at, values);
            }
            Torch.copyInto(weight, merged);
            return r;
        }
    }

    /** Undoes {@link #mergeReversibly}: subtracts the same update and puts back the recorded elements. */
    void unmerge(Restore restore) {
        try (NDScope scope = new NDScope()) {
            weight.subi(update());
            if (restore != null) {
                weight.reshape(-1).set(new NDIndex("{}", restore.indices()), restore.values());
            }
        }
    }

    /** The update merged for decoding, {@code (scale B) A} in the weight's dtype; the same bits on every call. */
    private NDArray update() {
        NDArray b = Scalars.mul(lora.b().stopGradient(), lora.scale());
        return b.matMul(lora.a().stopGradient()).toType(weight.getDataType(), false);
    }

    /** Flat indices of a weight's elements and their values before a merge. */
    record Restore(NDArray indices, NDArray values) {
    }

    NDArray forward(NDArray x, Mode mode) {
        NDArray y = Projection.apply(x, weight, bias);
        if (mode.adapters() && lora != null) {
            y = y.add(lora.forward(x, mode.training()));
        }
        return y;
    }

    /** The pre-fusion forward ({@link UnfusedForward}): always {@code x W^T}, as one linear op. */
    NDArray forwardUnfused(NDArray x, boolean adapters, boolean training) {
        NDArray y = x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        if (adapters && lora != null) {
            y = y.add(lora.forward(x, training));
        }
        return y;
    }
}
