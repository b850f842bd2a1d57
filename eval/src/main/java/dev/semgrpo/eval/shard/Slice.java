package dev.semgrpo.eval.shard;

import java.util.List;

/**
 * The examples of one task that one shard evaluates: some of the task's blocks, in task order.
 *
 * @param total the task's number of examples
 * @param blocks the blocks evaluated
 */
public record Slice(int total, List<Block> blocks) {
    public Slice {
        blocks = List.copyOf(blocks);
        int last = 0;
        for (Block b : blocks) {
            if (b.from() < last || b.to() > total) {
                throw new IllegalArgumentException("slice blocks must be in order within 0.." + total + ", found "
                        + blocks);
            }
            last = b.to();
        }
    }

    /** Number of examples evaluated. */
    public int size() {
        return blocks.stream().mapToInt(Block::size).sum();
    }

    /** The evaluated examples' indices in the whole task, ascending. */
    public int[] indices() {
        int[] out = new int[size()];
        int k = 0;
        for (Block b : blocks) {
            for (int i = b.from(); i < b.to(); i++) {
                out[k++] = i;
            }
        }
        return out;
    }
}
