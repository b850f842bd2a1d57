package dev.semgrpo.rewards.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Token-to-sentence pooling modes of sentence-transformers; several modes are concatenated in this order. */
public enum Pooling {
    CLS("pooling_mode_cls_token"),
    MAX("pooling_mode_max_tokens"),
    MEAN("pooling_mode_mean_tokens"),
    MEAN_SQRT_LEN("pooling_mode_mean_sqrt_len_tokens"),
    LASTTOKEN("pooling_mode_lasttoken");

    private final String key;

    Pooling(String key) {
        this.key = key;
    }

    /** The key in 1_Pooling/config.json. */
    public String key() {
        return key;
    }

    public static Pooling parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown pooling '" + name + "'; choose cls, mean, max, mean_sqrt_len"
                    + " or lasttoken");
        }
    }

    /**
     * Pools (B, T, H) token states under a (B, T) mask (1 = token) with each mode in {@code modes}, concatenated.
     * The last token is the last one the mask keeps (right padding).
     */
    public static NDArray pool(NDArray hidden, NDArray mask, List<Pooling> modes) {
        NDArray m = mask.toType(DataType.FLOAT32, false).expandDims(2); // (B, T, 1)
        NDArray h = hidden.getDataType() == DataType.FLOAT32 ? hidden : hidden.toType(DataType.FLOAT32, false);
        NDArray counts = m.sum(new int[] {1}).maximum(1e-9f); // (B, 1)
        List<NDArray> parts = new ArrayList<>();
        for (Pooling p : modes) {
            switch (p) {
                case CLS -> parts.add(h.get(new NDIndex(":, 0, :")));
                case MAX -> parts.add(h.add(m.sub(1f).mul(1e9f)).max(new int[] {1}));
                case MEAN -> parts.add(h.mul(m).sum(new int[] {1}).div(counts));
                case MEAN_SQRT_LEN -> parts.add(h.mul(m).sum(new int[] {1}).div(counts.sqrt()));
                case LASTTOKEN -> {
                    NDArray last = m.squeeze(2).sum(new int[] {1}).sub(1f).maximum(0f).toType(DataType.INT64, false);
                    NDArray idx = last.reshape(-1, 1, 1).repeat(2, h.getShape().get(2));
                    parts.add(h.gather(idx, 1).squeeze(1));
                }
                default -> throw new IllegalStateException();
            }
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts), 1);
    }
}
