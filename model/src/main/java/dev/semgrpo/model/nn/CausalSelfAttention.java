package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.Scalars;
import dev.semgrpo.model.config.ModelConfig;

/**
 * Grouped-query attention with rotary positions and an optional KV cache, from one fused q/k/v projection. The
 * projection's output is viewed as heads, (B, T, H + 2 Hkv, D); Qwen3's q and k norms run as one norm over the first
 * H + Hkv heads (a weight row per head), and RoPE rotates q and k together. Queries are grouped under their key/value
 * head by a reshape, so keys and values are never repeated: q (B, H, T, D) is viewed as (B, Hkv, G*T, D), G = H/Hkv.
 */
final class CausalSelfAttention {
    private final FusedLinear qkv;
    private final Linear o;
    private final NDArray qkNorm; // Qwen3 only: (2, D), q_norm's weight then k_norm's
    private final NDArray qkNormRows; // Qwen3 only: (H + Hkv) int64, the qkNorm row of each head
    private final float eps;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;

    CausalSelfAttention(ModelConfig c, FusedLinear qkv, Linear o, NDArray qkNorm) {
        this.qkv = qkv;
        this.o = o;
        this.qkNorm = qkNorm;
        this.heads = c.numHeads();
        this.kvHeads = c.numKvHeads();
        this.headDim = c.headDim();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        this.eps = (float) c.rmsNormEps();
        if (qkNorm != null) {
            long[] rows = new long[heads + kvHeads];
            for (int h = heads; h < rows.length; h++) {
                rows[h] = 1;
            }
            this.qkNormRows = qkNorm.getManager().create(rows);
        } else {
            this.qkNormRows = null;
        }
    }

    /** q, k, v, o in HF order. */
    Linear[] projections() {
        Linear[] m = qkv.members();
        return new Linear[] {m[0], m[1], m[2], o};
    }

    FusedLinear qkv() {
        return qkv;
    }

    Linear o() {
        return o;
    }

    /** (2, D): q_norm's weight and k_norm's (Qwen3), or null. */
    NDArray qkNorm() {
        return qkNorm;
    }

    /**
     * @param x (B*T, hidden)
     * @param rope cos/signed sin (B, T, 1, D)
     * @param bias additive mask (B or 1, 1, T, S), 0 where allowed and -1e9 elsewhere
     * @return (B*T, hidden)
     */
    NDArray forward(NDArray x, RotaryEmbedding rotary, NDArray[] rope, NDArray bias, KVCache cache, int layer,
            Mode mode) {
        long b = mode.batch();
        long t = mode.tokens();
        NDList parts = qkv.forward(x, mode).reshape(b, t, heads + 2L * kvHeads, headDim)
                .split(new long[] {heads + kvHeads}, 2);
        NDArray qk = parts.get(0); // (B, T, H + Hkv, D)
        if (qkNorm != null) {
            qk = RMSNorm.apply(qk, qkNorm.get(new NDIndex("{}", qkNormRows)), eps, mode.inplace());
        }
        NDList rotated = rotary.apply(qk, rope, mode.inplace()).split(new long[] {heads}, 2);
        NDArray qs = rotated.get(0).transpose(0, 2, 1, 3); // (B, H, T, D)
        NDArray ks = rotated.get(1).transpose(0, 2, 1, 3); // (B, Hkv, T, D)
        NDArray vs = parts.get(1).transpose(0, 2, 1, 3); // (B, Hkv, T, D)
        if (cache != null) {
            NDArray[] kv = cache.append(layer, ks, vs);
            ks = kv[0]; // (B, Hkv, S, D)
            vs = kv[1];
        }
        return o.forward(attend(qs, ks, vs, bias, b, t), mode);
    }

    /** Scaled dot-product attention of q (B, H, T, D) over k, v (B, Hkv, S, D); (B*T, H*D). */
    NDArray attend(NDArray qs, NDArray ks, NDArray vs, NDArray bias, long b, long t) {
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
        NDArray out = probs.reshape(b, kvHeads, groups * t, s).matMul(vs); // (B, Hkv, G*T, D)
        if (t == 1) {
            return out.reshape(b, (long) heads * headDim); // (B, H, 1, D) is already (B, 1, H, D) in memory
        }
        return out.reshape(b, heads, t, headDim).transpose(0, 2, 1, 3).reshape(b * t, (long) heads * headDim);
    }
}
