package dev.semgrpo.rewards;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Repeated n-gram penalty: {@code -(1 - distinct / total)} over the completion's n-grams of words (whitespace) or
 * of characters (for scripts written without spaces). Completions with fewer than n units score 0.
 */
public final class RepetitionPenalty implements RewardFunction {
    /** What an n-gram is made of. */
    public enum Unit {
        WORD,
        CHAR
    }

    private final String name;
    private final int n;
    private final Unit unit;

    public RepetitionPenalty(String name, int n, Unit unit) {
        if (n < 1) {
            throw new IllegalArgumentException("repetition n must be >= 1, found " + n);
        }
        this.name = name;
        this.n = n;
        this.unit = unit;
    }

    @Override
    public String name() {
        return name;
    }

    /** The share of repeated n-grams, in [0, 1). */
    public double repeatedShare(String text) {
        List<String> units = new ArrayList<>();
        if (unit == Unit.WORD) {
            for (String w : text.trim().split("\\s+")) {
                if (!w.isEmpty()) {
                    units.add(w);
                }
            }
        } else {
            text.codePoints().filter(c -> !Character.isWhitespace(c)).forEach(c -> units.add(new String(
                    Character.toChars(c))));
        }
        int total = units.size() - n + 1;
        if (total <= 0) {
            return 0;
        }
        Set<List<String>> distinct = new HashSet<>();
        for (int i = 0; i < total; i++) {
            distinct.add(units.subList(i, i + n));
        }
        return 1 - (double) distinct.size() / total;
    }

    @Override
    public RewardOutput score(List<RewardSample> batch) {
        float[] r = new float[batch.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) -repeatedShare(batch.get(i).completion());
        }
        return RewardOutput.single(name, r);
    }
}
