package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;

/** {@code y = x W^T + b}, with an optional {@link LoraAdapter} added when adapters are enabled. */
public final class Linear {
    private final String name;
    private NDArray weight; // (out_features, in_features)
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

    /** Folds the adapter into the weight and drops it: {@code W <- W + scale B A}. */
    void merge() {
        if (lora == null) {
            return;
        }
        NDArray delta = lora.delta();
        NDArray merged = weight.add(delta.toType(weight.getDataType(), false));
        merged.attach(weight.getManager());
        delta.close();
        weight.close();
        weight = merged;
        lora = null;
    }

    NDArray forward(NDArray x, boolean adapters, boolean training) {
        NDArray y = x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        if (adapters && lora != null) {
            y = y.add(lora.forward(x, training));
        }
        return y;
    }
}
