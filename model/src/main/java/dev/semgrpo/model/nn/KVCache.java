package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.config.ModelConfig;

/**
 * Keys and values of every layer, preallocated to a capacity and filled in place, so a decode step costs attention
 * over the filled part only and never copies the cache. All rows share one length (prompts are left-padded).
 */
public final class KVCache implements AutoCloseable {
    private final NDArray[] keys; // per layer: (batch, kv_heads, capacity, head_dim)
    private final NDArray[] values; // per layer: (batch, kv_heads, capacity, head_dim)
    private final int capacity;
    private int length;

    private KVCache(NDArray[] keys, NDArray[] values, int capacity, int length) {
        this.keys = keys;
        this.values = values;
        this.capacity = capacity;
        this.length = length;
    }

    /** An empty cache; its arrays belong to {@code manager}, so allocate it outside any per-step scope. */
    public static KVCache allocate(NDManager manager, ModelConfig c, int batch, int capacity, DataType dtype) {
        NDArray[] k = new NDArray[c.numLayers()];
        NDArray[] v = new NDArray[c.numLayers()];
        Shape s = new Shape(batch, c.numKvHeads(), capacity, c.headDim());
        for (int i = 0; i < k.length; i++) {
            k[i] = manager.zeros(s, dtype);
            v[i] = manager.zeros(s, dtype);
        }
        return new KVCache(k, v, capacity, 0);
    }

    public int length() {
        return length;
    }

    /** Writes k, v (batch, kv_heads, t, head_dim) at the current length; returns views of the filled part. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        long t = k.getShape().get(2);
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache capacity " + capacity + " exceeded: length " + length + " + " + t);
        }
        Torch.copyInto(Torch.slice(keys[layer], 2, length, length + t), k);
        Torch.copyInto(Torch.slice(values[layer], 2, length, length + t), v);
        return new NDArray[] {Torch.slice(keys[layer], 2, 0, length + t), Torch.slice(values[layer], 2, 0, length + t)};
    }

    void advance(int t) {
        length += t;
    }

    /**
     * A new cache holding {@code rows} (int64 indices, repeats allowed) of this one, in {@code manager}. Used to
     * fan a prefilled prompt out to its group of samples and to drop finished rows.
     */
    public KVCache select(NDManager manager, NDArray rows) {
        NDArray[] k = new NDArray[keys.length];
        NDArray[] v = new NDArray[keys.length];
        NDIndex idx = new NDIndex("{}", rows);
        for (int i = 0; i < keys.length; i++) {
            k[i] = keys[i].get(idx);
            k[i].attach(manager);
            v[i] = values[i].get(idx);
            v[i].attach(manager);
        }
        return new KVCache(k, v, capacity, length);
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            keys[i].close();
            values[i].close();
        }
    }
}
