package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;

/** Pre-norm residual block: {@code x + attn(norm(x))}, then {@code x + mlp(norm(x))}. */
final class DecoderBlock {
    private final RMSNorm inputNorm;
    private final CausalSelfAttention attention;
    private final RMSNorm postAttentionNorm;
    private final MLP mlp;

    DecoderBlock(RMSNorm inputNorm, CausalSelfAttention attention, RMSNorm postAttentionNorm, MLP mlp) {
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.mlp = mlp;
    }

    RMSNorm inputNorm() {
        return inputNorm;
    }

    CausalSelfAttention attention() {
        return attention;
    }

    RMSNorm postAttentionNorm() {
        return postAttentionNorm;
    }

    MLP mlp() {
        return mlp;
    }

    NDArray forward(NDArray x, RotaryEmbedding rotary, NDArray[] rope, NDArray bias, KVCache cache, int layer,
            Mode mode) {
        return feedForward(attend(x, rotary, rope, bias, cache, layer, mode), mode);
    }

    /** The attention half: {@code x + attn(norm(x))}. */
    NDArray attend(NDArray x, RotaryEmbedding rotary, NDArray[] rope, NDArray bias, KVCache cache, int layer,
            Mode mode) {
        return x.add(attention.forward(inputNorm.forward(x, mode.inplace()), rotary, rope, bias, cache, layer, mode));
    }

    /** The feed-forward half: {@code h + mlp(norm(h))}. */
    NDArray feedForward(NDArray h, Mode mode) {
        return h.add(mlp.forward(postAttentionNorm.forward(h, mode.inplace()), mode));
    }
}
