package dev.semgrpo.rewards;

import java.util.Arrays;
import java.util.List;

/**
 * Batch-relative length penalty: with {@code m} the batch's median completion length (in code points, spaces
 * excluded), a completion of length {@code L > k m} gets {@code -min(1, L / (k m) - 1)}; others get 0. A batch whose
 * median is 0 gets no penalty.
 */
public final class LengthPenalty implements RewardFunction {
    private final String name;
    private final double k;

    public LengthPenalty(String name, double k) {
        if (!(k >= 1)) {
            throw new IllegalArgumentException("length penalty k must be >= 1, found " + k);
        }
        this.name = name;
        this.k = k;
    }

    @Override
    public String name() {
        return name;
    }

    static int length(String s) {
        return (int) s.codePoints().filter(c -> !Character.isWhitespace(c)).count();
    }

    @Override
    public RewardOutput score(List<RewardSample> batch) {
        float[] r = new float[batch.size()];
        if (batch.isEmpty()) {
            return RewardOutput.single(name, r);
        }
        double[] len = batch.stream().mapToDouble(s -> length(s.completion())).toArray();
        double[] sorted = len.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        if (median > 0) {
            for (int i = 0; i < n; i++) {
                double limit = k * median;
                r[i] = len[i] > limit ? (float) -Math.min(1, len[i] / limit - 1) : 0f;
            }
        }
        return RewardOutput.single(name, r);
    }
}
