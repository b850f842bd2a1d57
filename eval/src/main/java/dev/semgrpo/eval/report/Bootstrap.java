package dev.semgrpo.eval.report;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.rewards.text.Bleu;
import dev.semgrpo.rewards.text.Chrf;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Paired bootstrap over one task's examples, vectorised with ND4J.
 *
 * <p>Replicate {@code b} draws {@code n} example indices uniformly with replacement from its own seeded stream, so
 * its multiplicities {@link #counts(int)} are the same for every model and metric of the task (the comparison is
 * paired) and do not depend on the order in which metrics are computed. The draws form a {@code B x n} count matrix
 * {@code C}; each {@link Aggregate} kind turns it into all {@code B} replicate values at once:
 * <ul>
 *   <li>Mean: {@code (C · x) / n};</li>
 *   <li>CorpusBleu, CorpusChrf: {@code C · S} with {@code S} the {@code n x k} statistics, one summed statistics
 *       row per replicate, scored by {@link Bleu#score} / {@link Chrf#fScore};</li>
 *   <li>TokenMean: {@code (C · sums) / (C · lengths)};</li>
 *   <li>TokenQuantile: the pooled tokens sorted once; per replicate the token weights are the multiplicities of
 *       their examples, their cumulative sums (ND4J) give the positions of the two order statistics that numpy's
 *       linear interpolation needs.</li>
 * </ul>
 * {@code C} is built in chunks of replicates so memory stays bounded; the result equals
 * {@link Aggregate#compute(List, int[])} with {@link #counts(int)} (tested to 1e-9 relative).
 */
public final class Bootstrap {
    /** Doubles per chunk of the count matrix or of the token-weight matrix (16 MB each). */
    private static final long CHUNK_ELEMENTS = 2_000_000;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final int n;
    private final int resamples;
    private final long seed;

    /**
     * @param n number of examples (each replicate draws n of them)
     * @param resamples number of replicates B
     * @param seed the task's seed (see {@link #taskSeed})
     */
    public Bootstrap(int n, int resamples, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("bootstrap needs at least 1 example, found " + n);
        }
        if (resamples < 1) {
            throw new IllegalArgumentException("bootstrap resamples must be >= 1, found " + resamples);
        }
        this.n = n;
        this.resamples = resamples;
        this.seed = seed;
    }

    /** A task's seed from the report seed and the task name, so a task's draws do not depend on the other tasks. */
    public static long taskSeed(long seed, String task) {
        return mix(seed * 31 + task.hashCode());
    }

    /** Multiplicities of replicate {@code b}: {@code counts[i]} = times example i was drawn (sums to n). */
    public int[] counts(int b) {
        if (b < 0 || b >= resamples) {
            throw new IndexOutOfBoundsException("replicate " + b + " of " + resamples);
        }
        SplittableRandom rng = new SplittableRandom(mix(seed + GOLDEN * (b + 1L)));
        int[] c = new int[n];
        for (int j = 0; j < n; j++) {
            c[rng.nextInt(n)]++;
        }
        return c;
    }

    /** The count matrix rows {@code from..to-1}; shape (to - from, n), DOUBLE. */
    INDArray countMatrix(int from, int to) {
        double[] flat = new double[(to - from) * n]; // (replicate, example)
        for (int b = from; b < to; b++) {
            int[] c = counts(b);
            int off = (b - from) * n;
            for (int i = 0; i < n; i++) {
                flat[off + i] = c[i];
            }
        }
        return Nd4j.create(flat, new long[] {to - from, n}, DataType.DOUBLE);
    }

    /** All B replicate values of {@code aggregate} over {@code examples} (which must have n entries). */
    public double[] replicates(Aggregate aggregate, List<ExampleRecord> examples) {
        if (examples.size() != n) {
            throw new IllegalArgumentException("bootstrap drawn for " + Plural.of(n, "example") + ", given "
                    + examples.size());
        }
        if (aggregate instanceof Aggregate.Mean m) {
            double[][] x = new double[n][1];
            for (int i = 0; i < n; i++) {
                x[i][0] = examples.get(i).score(m.score());
            }
            return linear(x, row -> row[0] / n);
        } else if (aggregate instanceof Aggregate.CorpusBleu bleu) {
            return linear(statistics(examples, bleu.stats()), row -> bleu.score(toLong(row)));
        } else if (aggregate instanceof Aggregate.CorpusChrf chrf) {
            Chrf scorer = new Chrf(chrf.charOrder(), chrf.wordOrder(), chrf.beta());
            return linear(statistics(examples, chrf.stats()), row -> scorer.fScore(toLong(row)));
        } else if (aggregate instanceof Aggregate.TokenMean tm) {
            double[][] x = new double[n][2]; // (example, [sum, length])
            for (int i = 0; i < n; i++) {
                float[] v = examples.get(i).token(tm.tokens());
                double s = 0;
                for (float f : v) {
                    s += f;
                }
                x[i][0] = s;
                x[i][1] = v.length;
            }
            return linear(x, row -> row[1] == 0 ? Double.NaN : row[0] / row[1]);
        } else if (aggregate instanceof Aggregate.TokenQuantile tq) {
            return tokenQuantile(examples, tq);
        }
        throw new IllegalArgumentException("no bootstrap for aggregate " + aggregate);
    }

    /** Replicates of a statistic that is a function of C · x: each row of the product scored by {@code score}. */
    private double[] linear(double[][] x, ToDoubleFunction<double[]> score) {
        INDArray features = Nd4j.createFromArray(x); // (n, k)
        int chunk = (int) Math.max(1, Math.min(resamples, CHUNK_ELEMENTS / n));
        double[] out = new double[resamples];
        for (int from = 0; from < resamples; from += chunk) {
            int to = Math.min(resamples, from + chunk);
            double[][] sums = countMatrix(from, to).mmul(features).toDoubleMatrix(); // (chunk, k)
            for (int b = from; b < to; b++) {
                out[b] = score.applyAsDouble(sums[b - from]);
            }
        }
        return out;
    }

    private static double[][] statistics(List<ExampleRecord> examples, String name) {
        double[][] s = new double[examples.size()][];
        for (int i = 0; i < s.length; i++) {
            long[] v = examples.get(i).stat(name);
            if (i > 0 && v.length != s[0].length) {
                throw new IllegalArgumentException("example '" + examples.get(i).id() + "' has " + v.length + " '"
                        + name + "' statistics, example '" + examples.get(0).id() + "' has " + s[0].length);
            }
            s[i] = new double[v.length];
            for (int j = 0; j < v.length; j++) {
                s[i][j] = v[j];
            }
        }
        return s;
    }

    /** Summed statistics are integers below 2^53, exact in double. */
    private static long[] toLong(double[] row) {
        long[] out = new long[row.length];
        for (int j = 0; j < row.length; j++) {
            out[j] = Math.round(row[j]);
        }
        return out;
    }

    /**
     * numpy-linear quantile of the pooled tokens, each weighted by its example's multiplicity. With the tokens
     * sorted once and W the (tokens x replicates) weight matrix, the cumulative sums along the tokens give, for
     * rank r, the first sorted position whose cumulative weight exceeds r: it is the count of positions with
     * cumulative weight {@code <= r}.
     */
    private double[] tokenQuantile(List<ExampleRecord> examples, Aggregate.TokenQuantile tq) {
        int total = 0;
        double[] lengths = new double[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = examples.get(i).token(tq.tokens()).length;
            total += (int) lengths[i];
        }
        INDArray lengthColumn = Nd4j.create(lengths, new long[] {n, 1}, DataType.DOUBLE);
        double[] out = new double[resamples];
        if (total == 0) {
            Arrays.fill(out, Double.NaN);
            return out;
        }
        float[] values = new float[total];
        int[] owner = new int[total];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (float f : examples.get(i).token(tq.tokens())) {
                values[k] = f;
                owner[k++] = i;
            }
        }
        Integer[] order = new Integer[total];
        for (int t = 0; t < total; t++) {
            order[t] = t;
        }
        Arrays.sort(order, (a, b) -> Float.compare(values[a], values[b]));
        float[] sorted = new float[total];
        int[] sortedOwner = new int[total];
        for (int t = 0; t < total; t++) {
            sorted[t] = values[order[t]];
            sortedOwner[t] = owner[order[t]];
        }
        int chunk = (int) Math.max(1, Math.min(resamples, CHUNK_ELEMENTS / Math.max(n, total)));
        for (int from = 0; from < resamples; from += chunk) {
            int to = Math.min(resamples, from + chunk);
            int c = to - from;
            INDArray counts = countMatrix(from, to); // (chunk, n)
            double[] weightTotal = counts.mmul(lengthColumn).toDoubleVector(); // tokens drawn per replicate
            long[] lo = new long[c];
            double[] frac = new double[c];
            double[][] ranks = new double[2][c]; // (lo, lo + 1) per replicate
            for (int b = 0; b < c; b++) {
                double h = (weightTotal[b] - 1) * tq.q();
                lo[b] = (long) Math.floor(h);
                frac[b] = h - lo[b];
                ranks[0][b] = lo[b];
                ranks[1][b] = lo[b] + 1;
            }
            INDArray countsT = counts.transpose().dup('c'); // (n, chunk)
            INDArray cumulative = Nd4j.pullRows(countsT, 1, sortedOwner).cumsum(0); // (tokens, chunk)
            double[][] positions = new double[2][];
            for (int r = 0; r < 2; r++) {
                INDArray above = Transforms.step(cumulative.subRowVector(Nd4j.createFromArray(ranks[r])), true);
                positions[r] = above.sum(0).rsub(total).toDoubleVector(); // #{cumulative <= rank}
            }
            for (int b = 0; b < c; b++) {
                if (weightTotal[b] == 0) {
                    out[from + b] = Double.NaN;
                    continue;
                }
                double vLo = sorted[(int) positions[0][b]];
                double vHi = lo[b] + 1 >= weightTotal[b] ? vLo : sorted[(int) positions[1][b]];
                out[from + b] = vLo + frac[b] * (vHi - vLo);
            }
        }
        return out;
    }

    /**
     * Percentile interval of the replicates at the given confidence: numpy-linear quantiles at (1 - confidence) / 2
     * and (1 + confidence) / 2 of the finite replicates; [NaN, NaN] when none is finite.
     */
    public static double[] percentileInterval(double[] replicates, double confidence) {
        double[] finite = Arrays.stream(replicates).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {quantile(finite, (1 - confidence) / 2), quantile(finite, (1 + confidence) / 2)};
    }

    /** numpy's linear quantile of sorted values. */
    static double quantile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * Two-sided paired-bootstrap p-value of an observed difference (Koehn 2004; Berg-Kirkpatrick et al. 2012): the
     * bootstrap distribution of the difference, shifted to mean zero, stands in for the null, so
     * {@code p = (1 + #{b : |delta_b - mean(delta)| >= |delta_obs|}) / (B + 1)} over the B finite replicates
     * {@code delta_b = model_b - base_b} (the same resample for both). The smallest possible value is 1 / (B + 1);
     * identical systems give 1. NaN when no replicate is finite.
     */
    public static double pValue(double[] deltas, double observed) {
        double[] finite = Arrays.stream(deltas).filter(Double::isFinite).toArray();
        if (finite.length == 0 || !Double.isFinite(observed)) {
            return Double.NaN;
        }
        double mean = Arrays.stream(finite).sum() / finite.length;
        double obs = Math.abs(observed);
        long extreme = Arrays.stream(finite).filter(d -> Math.abs(d - mean) >= obs).count();
        return (1.0 + extreme) / (finite.length + 1.0);
    }

    /** Element-wise difference a - b. */
    public static double[] difference(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    /** SplitMix64 finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
