package dev.semgrpo.eval.shard;

import com.fasterxml.jackson.annotation.JsonFormat;

/**
 * Examples {@code from .. to - 1} of a task (indices in the whole task), evaluated together: one batch of the model,
 * and the unit that shards share out. Written as {@code [from, to]}.
 */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
public record Block(int from, int to) {
    public Block {
        if (from < 0 || to <= from) {
            throw new IllegalArgumentException("a block holds examples from..to-1 with 0 <= from < to, found [" + from
                    + ", " + to + "]");
        }
    }

    /** Number of examples. */
    public int size() {
        return to - from;
    }

    /** Consecutive blocks of {@code size} examples over {@code total} examples (the last one may be shorter). */
    public static java.util.List<Block> every(int size, int total) {
        if (size < 1) {
            throw new IllegalArgumentException("block size must be >= 1, found " + size);
        }
        java.util.List<Block> out = new java.util.ArrayList<>();
        for (int from = 0; from < total; from += size) {
            out.add(new Block(from, Math.min(total, from + size)));
        }
        return out;
    }
}
