package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.Scalars;
import dev.semgrpo.model.config.ModelConfig;

/**
 * Grouped-query attention with rotary positions and an optional KV cache. Queries are grouped under their key/value
 * head by a reshape, so keys and values are never repeated: q (B, H, T, D) is viewed as (B, Hkv, G*T, D), G = H/Hkv.
 */
final class CausalSelfAttention {
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    private final RMSNorm qNorm; // Qwen3 only
    private final RMSNorm kNorm; // Qwen3 only
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;

    CausalSelfAttention(ModelConfig c, Linear q, Linear k, Linear v, Linear o, RMSNorm qNorm, RMSNorm kNorm) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.o = o;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.heads = c.numHeads();
        this.kvHeads = c.numKvHeads();
        this.headDim = c.headDim();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    Linear[] projections() {
        return new Linear[] {q, k, v, o};
    }

    /**
     * @param x (B, T, hidden)
     * @param rope cos/sin (B, 1, T, D)
     * @param bias additive mask (B or 1, 1, T, S), 0 where allowed and -1e9 elsewhere
     * @return (B, T, hidden)
     */
    NDArray forward(NDArray x, RotaryEmbedding rotary, NDArray[] rope, NDArray bias, KVCache cache, int layer,
            boolean adapters, boolean training) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray qs = q.forward(x, adapters, training).reshape(b, t, heads, headDim);
        NDArray ks = k.forward(x, adapters, training).reshape(b, t, kvHeads, headDim);
        NDArray vs = v.forward(x, adapters, training).reshape(b, t, kvHeads, headDim);
        if (qNorm != null) {
            qs = qNorm.forward(qs);
            ks = kNorm.forward(ks);
        }
        qs = rotary.apply(qs.transpose(0, 2, 1, 3), rope); // (B, H, T, D)
        ks = rotary.apply(ks.transpose(0, 2, 1, 3), rope); // (B, Hkv, T, D)
        vs = vs.transpose(0, 2, 1, 3); // (B, Hkv, T, D)
        if (cache != null) {
            NDArray[] kv = cache.append(layer, ks, vs);
            ks = kv[0]; // (B, Hkv, S, D)
            vs = kv[1];
        }
        long s = ks.getShape().get(2);
        int groups = heads / kvHeads;
        NDArray grouped = qs.reshape(b, kvHeads, groups * t, headDim);
        NDArray scores = Scalars.mul(grouped.matMul(ks.transpose(0, 1, 3, 2)), scale); // (B, Hkv, G*T, S)
        DataType dt = scores.getDataType();
        NDArray scores32 = (dt == DataType.FLOAT32 ? scores : scores.toType(DataType.FLOAT32, false))
                .reshape(b, kvHeads, groups, t, s)
                .add(bias.reshape(bias.getShape().get(0), 1, 1, t, s));
        NDArray probs = scores32.softmax(-1);
        if (dt != DataType.FLOAT32) {
            probs = probs.toType(dt, false);
        }
        NDArray out = probs.reshape(b, kvHeads, groups * t, s).matMul(vs) // (B, Hkv, G*T, D)
                .reshape(b, heads, t, headDim)
                .transpose(0, 2, 1, 3)
                .reshape(b, t, (long) heads * headDim);
        return o.forward(out, adapters, training);
    }
}
