package dev.semgrpo.eval.results;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.semgrpo.rewards.text.Bleu;
import dev.semgrpo.rewards.text.Chrf;
import java.util.Arrays;
import java.util.List;

/**
 * How a task-level metric is computed from per-example records. {@link #compute} takes multiplicities
 * ({@code counts[i]} copies of example i, as a bootstrap resample draws them; {@code null} = each once), and is the
 * scalar reference that the report's vectorised resampling is tested against.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Aggregate.Mean.class, name = "mean"),
    @JsonSubTypes.Type(value = Aggregate.CorpusBleu.class, name = "corpus_bleu"),
    @JsonSubTypes.Type(value = Aggregate.CorpusChrf.class, name = "corpus_chrf"),
    @JsonSubTypes.Type(value = Aggregate.TokenMean.class, name = "token_mean"),
    @JsonSubTypes.Type(value = Aggregate.TokenQuantile.class, name = "token_quantile")
})
public sealed interface Aggregate {
    /** The metric over the examples, each taken {@code counts[i]} times ({@code counts == null}: once). */
    double compute(List<ExampleRecord> examples, int[] counts);

    /** The metric over all examples, each once. */
    default double compute(List<ExampleRecord> examples) {
        return compute(examples, null);
    }

    /** Mean of a per-example score (accuracy, EM, F1, sentence similarity, win rate), in the score's units. */
    record Mean(String score) implements Aggregate {
        @Override
        public double compute(List<ExampleRecord> examples, int[] counts) {
            double sum = 0;
            long n = 0;
            for (int i = 0; i < examples.size(); i++) {
                int c = count(counts, i);
                if (c > 0) {
                    sum += c * examples.get(i).score(score);
                    n += c;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }
    }

    /**
     * Corpus BLEU from summed n-gram statistics (sacreBLEU's corpus_bleu): {@code smooth} exp, none, floor or add-k,
     * {@code smoothValue} the value of floor (default 0.1) and add-k (default 1) and null for the others,
     * {@code effectiveOrder} effective order (default false). Files written before the last two existed read as
     * the defaults.
     */
    record CorpusBleu(String stats, String smooth, Double smoothValue, Boolean effectiveOrder) implements Aggregate {
        public CorpusBleu {
            Bleu.Smoothing smoothing = smoothing(smooth, smoothValue);
            smoothValue = smoothing.method().takesValue() ? smoothing.value() : null;
            effectiveOrder = effectiveOrder != null && effectiveOrder;
        }

        /** exp or none smoothing, effective order off. */
        public CorpusBleu(String stats, String smooth) {
            this(stats, smooth, null, false);
        }

        private static Bleu.Smoothing smoothing(String smooth, Double value) {
            Bleu.Smooth method = Bleu.Smooth.parse(smooth);
            if (value != null && !method.takesValue()) {
                throw new IllegalArgumentException("corpus_bleu smooth '" + smooth + "' takes no smooth_value, found "
                        + value + "; only floor and add-k take one");
            }
            return value == null ? Bleu.Smoothing.of(method) : new Bleu.Smoothing(method, value);
        }

        /** The smoothing method and value. */
        public Bleu.Smoothing smoothing() {
            return smoothing(smooth, smoothValue);
        }

        /** BLEU of summed statistics with this smoothing and effective order. */
        public double score(long[] statistics) {
            return Bleu.score(statistics, smoothing(), effectiveOrder);
        }

        @Override
        public double compute(List<ExampleRecord> examples, int[] counts) {
            return score(sum(examples, counts, stats));
        }
    }

    /** Corpus chrF/chrF++ from summed character (and word) n-gram statistics (sacreBLEU's corpus_chrf). */
    record CorpusChrf(String stats, int charOrder, int wordOrder, double beta) implements Aggregate {
        @Override
        public double compute(List<ExampleRecord> examples, int[] counts) {
            return new Chrf(charOrder, wordOrder, beta).fScore(sum(examples, counts, stats));
        }
    }

    /** Mean of per-token values pooled over examples (token-weighted, e.g. mean NLL per token). */
    record TokenMean(String tokens) implements Aggregate {
        @Override
        public double compute(List<ExampleRecord> examples, int[] counts) {
            double sum = 0;
            long n = 0;
            for (int i = 0; i < examples.size(); i++) {
                int c = count(counts, i);
                if (c > 0) {
                    double s = 0;
                    float[] v = examples.get(i).token(tokens);
                    for (float x : v) {
                        s += x;
                    }
                    sum += c * s;
                    n += (long) c * v.length;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }
    }

    /**
     * Quantile {@code q} of per-token values pooled over examples, with numpy's default (linear) interpolation over
     * the pooled values; a resampled example contributes its tokens once per draw.
     */
    record TokenQuantile(String tokens, double q) implements Aggregate {
        public TokenQuantile {
            if (!(q >= 0 && q <= 1)) {
                throw new IllegalArgumentException("quantile q must be in [0, 1], found " + q);
            }
        }

        @Override
        public double compute(List<ExampleRecord> examples, int[] counts) {
            int total = 0;
            for (int i = 0; i < examples.size(); i++) {
                if (count(counts, i) > 0) {
                    total += examples.get(i).token(tokens).length;
                }
            }
            float[] values = new float[total];
            int[] weights = new int[total];
            int k = 0;
            for (int i = 0; i < examples.size(); i++) {
                int c = count(counts, i);
                if (c > 0) {
                    for (float x : examples.get(i).token(tokens)) {
                        values[k] = x;
                        weights[k++] = c;
                    }
                }
            }
            return weightedQuantile(values, weights, q);
        }

        /** numpy.quantile(linear) of the array where values[i] appears weights[i] times. */
        public static double weightedQuantile(float[] values, int[] weights, double q) {
            if (values.length == 0) {
                return Double.NaN;
            }
            Integer[] order = new Integer[values.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Float.compare(values[a], values[b]));
            long n = 0;
            for (int w : weights) {
                n += w;
            }
            double h = (n - 1) * q;
            long lo = (long) Math.floor(h);
            double frac = h - lo;
            double vLo = Double.NaN;
            double vHi = Double.NaN;
            long seen = 0;
            for (Integer idx : order) {
                long next = seen + weights[idx];
                if (Double.isNaN(vLo) && lo < next) {
                    vLo = values[idx];
                }
                if (lo + 1 < next || (lo + 1 >= n && !Double.isNaN(vLo))) {
                    vHi = lo + 1 >= n ? vLo : values[idx];
                    break;
                }
                seen = next;
            }
            return vLo + frac * (vHi - vLo);
        }
    }

    private static int count(int[] counts, int i) {
        return counts == null ? 1 : counts[i];
    }

    private static long[] sum(List<ExampleRecord> examples, int[] counts, String name) {
        long[] total = null;
        for (int i = 0; i < examples.size(); i++) {
            int c = count(counts, i);
            long[] s = examples.get(i).stat(name);
            if (total == null) {
                total = new long[s.length];
            } else if (s.length != total.length) {
                throw new IllegalArgumentException("example '" + examples.get(i).id() + "' has " + s.length
                        + " '" + name + "' statistics, the first example has " + total.length);
            }
            for (int j = 0; j < s.length; j++) {
                total[j] += c * s[j];
            }
        }
        return total == null ? new long[0] : total;
    }
}
