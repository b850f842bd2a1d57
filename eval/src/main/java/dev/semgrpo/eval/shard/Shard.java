package dev.semgrpo.eval.shard;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;

/**
 * Shard {@code index} of {@code count} parallel evaluation jobs, written {@code index/count} with
 * {@code 0 <= index < count} (a Slurm job array's {@code $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT}). Block b of
 * a task belongs to shard {@code b mod count}.
 */
public record Shard(int index, int count) {
    /** The whole task: one shard of one. */
    public static final Shard WHOLE = new Shard(0, 1);

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("a shard is i/N with N >= 1 and 0 <= i < N, found " + index + "/"
                    + count + (count >= 1 && index == count ? "; shards are numbered from 0, so the last of " + count
                            + " is " + (count - 1) + "/" + count : ""));
        }
    }

    /** Reads {@code i/N}; errors name the option, the value and the form expected. */
    @JsonCreator
    public static Shard parse(String text) {
        String t = text == null ? "" : text.strip();
        int slash = t.indexOf('/');
        if (slash < 0 || !digits(t.substring(0, slash)) || !digits(t.substring(slash + 1))) {
            throw new IllegalArgumentException("--shard expects i/N, two whole numbers with 0 <= i < N (e.g. 0/4, 1/4,"
                    + " 2/4, 3/4 for four jobs), found '" + text + "'");
        }
        int index;
        int count;
        try {
            index = Integer.parseInt(t.substring(0, slash));
            count = Integer.parseInt(t.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--shard '" + text + "': a number is too large", e);
        }
        if (count < 1) {
            throw new IllegalArgumentException("--shard '" + text + "': N must be >= 1 (the number of shards), found "
                    + count);
        }
        if (index >= count) {
            throw new IllegalArgumentException("--shard '" + text + "': i must be < N (shards are numbered 0 .. "
                    + (count - 1) + "), found i=" + index);
        }
        return new Shard(index, count);
    }

    private static boolean digits(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** True for the whole task (1 shard). */
    public boolean isWhole() {
        return count == 1;
    }

    /** Whether block number {@code block} (0-based, in task order) is this shard's. */
    public boolean contains(int block) {
        return block % count == index;
    }

    /** This shard's blocks of a task of {@code total} examples split into {@code blocks} (in order, covering it). */
    public Slice slice(int total, List<Block> blocks) {
        List<Block> mine = new ArrayList<>();
        int next = 0;
        for (int b = 0; b < blocks.size(); b++) {
            Block k = blocks.get(b);
            if (k.from() != next) {
                throw new IllegalArgumentException("blocks must cover examples 0.." + (total - 1) + " in order; block "
                        + b + " starts at " + k.from() + ", expected " + next);
            }
            next = k.to();
            if (contains(b)) {
                mine.add(k);
            }
        }
        if (next != total) {
            throw new IllegalArgumentException("blocks end at example " + next + ", the task has " + total);
        }
        return new Slice(total, mine);
    }

    @JsonValue
    @Override
    public String toString() {
        return index + "/" + count;
    }
}
