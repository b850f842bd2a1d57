package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;

/**
 * The decoder layer as the engine computed it before projections were fused, kept as the oracle that differential
 * tests and {@code scripts/bench-model} compare the fused forward with: q, k, v, o, gate, up and down as seven
 * {@code x W^T} ops on the members' weights, each LoRA adapter added unmerged, Qwen3's q and k norms separately,
 * RoPE on (B, H, T, D) with {@code rotate_half}. Selected with {@link CausalLM#setUnfusedForward}.
 */
final class UnfusedForward {
    private UnfusedForward() {
    }

    static NDArray layer(DecoderBlock block, ModelLayout c, NDArray x, RotaryEmbedding rotary, NDArray[] rope,
            NDArray bias, KVCache cache, int layer, boolean adapters, boolean training) {
        NDArray h = x.add(attention(block.attention(), c, block.inputNorm().forward(x), rotary, rope, bias, cache,
                layer, adapters, training));
        Linear[] mlp = block.mlp().projections();
        NDArray n = block.postAttentionNorm().forward(h);
        NDArray g = mlp[0].forwardUnfused(n, adapters, training);
        NDArray act = g.mul(Activation.sigmoid(g));
        return h.add(mlp[2].forwardUnfused(act.mul(mlp[1].forwardUnfused(n, adapters, training)), adapters,
                training));
    }

    private static NDArray attention(CausalSelfAttention attn, ModelLayout c, NDArray x, RotaryEmbedding rotary,
            NDArray[] rope, NDArray bias, KVCache cache, int layer, boolean adapters, boolean training) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        Linear[] p = attn.projections();
        NDArray qs = p[0].forwardUnfused(x, adapters, training).reshape(b, t, c.heads(), c.headDim());
        NDArray ks = p[1].forwardUnfused(x, adapters, training).reshape(b, t, c.kvHeads(), c.headDim());
        NDArray vs = p[2].forwardUnfused(x, adapters, training).reshape(b, t, c.kvHeads(), c.headDim());
        if (attn.qkNorm() != null) {
            qs = RMSNorm.apply(qs, attn.qkNorm().get(new NDIndex("0")), c.eps(), false);
            ks = RMSNorm.apply(ks, attn.qkNorm().get(new NDIndex("1")), c.eps(), false);
        }
        qs = rotary.applyUnfused(qs.transpose(0, 2, 1, 3), rope); // (B, H, T, D)
        ks = rotary.applyUnfused(ks.transpose(0, 2, 1, 3), rope); // (B, Hkv, T, D)
        vs = vs.transpose(0, 2, 1, 3); // (B, Hkv, T, D)
        if (cache != null) {
            NDArray[] kv = cache.append(layer, ks, vs);
            ks = kv[0];
            vs = kv[1];
        }
        return p[3].forwardUnfused(attn.attend(qs, ks, vs, bias, b, t).reshape(b, t, -1), adapters, training);
    }

    /** The shapes the unfused layer needs. */
    record ModelLayout(int heads, int kvHeads, int headDim, float eps) {
    }
}
