package dev.semgrpo.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.config.RopeScaling;

/**
 * Rotary position embedding in transformers' layout: {@code x * cos + rotate_half(x) * sin}, where
 * {@code rotate_half([x1, x2]) = [-x2, x1]} and the tables repeat the {@code d/2} frequencies twice. Both tables
 * carry the scaling's attention factor (transformers' {@code attention_scaling}; 1 except for yarn).
 */
final class RotaryEmbedding {
    private final NDArray cos; // (max_position, head_dim)
    private final NDArray sin; // (max_position, head_dim)
    private final NDArray sinSigned; // (max_position, head_dim): -sin on the first half, sin on the second
    private final int half;
    private final int maxPositions;

    RotaryEmbedding(NDManager manager, ModelConfig c, DataType dtype) {
        int d = c.headDim();
        half = d / 2;
        maxPositions = c.maxPositionEmbeddings();
        if ((long) maxPositions * d > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("max_position_embeddings (" + maxPositions + ") x head_dim (" + d
                    + ") = " + (long) maxPositions * d + " RoPE table entries, over the 2^31 an array holds; lower"
                    + " max_position_embeddings in config.json");
        }
        double[] inv = RopeScaling.inverseFrequencies(d, c.ropeTheta(), c.ropeScaling());
        double attention = RopeScaling.attentionScaling(c.ropeScaling());
        float[] cosv = new float[maxPositions * d];
        float[] sinv = new float[maxPositions * d];
        float[] signed = new float[maxPositions * d];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = (float) (p * (float) inv[i]);
                float cv = (float) (Math.cos(angle) * attention);
                float sv = (float) (Math.sin(angle) * attention);
                cosv[p * d + i] = cv;
                cosv[p * d + i + half] = cv;
                sinv[p * d + i] = sv;
                sinv[p * d + i + half] = sv;
                signed[p * d + i] = -sv;
                signed[p * d + i + half] = sv;
            }
        }
        cos = manager.create(cosv, new Shape(maxPositions, d)).toType(dtype, false);
        sin = manager.create(sinv, new Shape(maxPositions, d)).toType(dtype, false);
        sinSigned = manager.create(signed, new Shape(maxPositions, d)).toType(dtype, false);
    }

    int maxPositions() {
        return maxPositions;
    }

    /** cos and signed sin rows for {@code positions} (batch, seq), shaped (batch, seq, 1, head_dim) for {@link #apply}. */
    NDArray[] tables(NDArray positions) {
        NDIndex idx = new NDIndex("{}", positions);
        return new NDArray[] {cos.get(idx).expandDims(2), sinSigned.get(idx).expandDims(2)};
    }

    /**
     * Rotates x (batch, seq, heads, head_dim) with {@link #tables}: {@code x cos + [x2, x1] [-sin, sin]}, which is
     * transformers' {@code x cos + rotate_half(x) sin} bit for bit ({@code (-a) b = a (-b)} exactly) in one op less.
     */
    NDArray apply(NDArray x, NDArray[] cs, boolean inplace) {
        NDList halves = x.split(2, x.getShape().dimension() - 1);
        NDArray swapped = halves.get(1).concat(halves.get(0), -1);
        if (inplace) {
            return x.mul(cs[0]).addi(swapped.muli(cs[1]));
        }
        return x.mul(cs[0]).add(swapped.mul(cs[1]));
    }

    /** cos and sin rows for {@code positions} (batch, seq), shaped (batch, 1, seq, head_dim): the unfused layout. */
    NDArray[] unfusedTables(NDArray positions) {
        NDIndex idx = new NDIndex("{}", positions);
        return new NDArray[] {cos.get(idx).expandDims(1), sin.get(idx).expandDims(1)};
    }

    /** Rotates x (batch, heads, seq, head_dim) as transformers writes it: {@code x cos + rotate_half(x) sin}. */
    NDArray applyUnfused(NDArray x, NDArray[] cs) {
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = x2.neg().concat(x1, -1);
        return x.mul(cs[0]).add(rotated.mul(cs[1]));
    }
}
