package dev.semgrpo.eval.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BootstrapTest {
    /** Random records with a score, BLEU-like and chrF-like statistics and per-token values (some empty). */
    static List<ExampleRecord> randomExamples(int n, long seed) {
        Random r = new Random(seed);
        List<ExampleRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] bleu = new long[10];
            for (int k = 0; k < 4; k++) {
                bleu[4 + k] = Math.max(0, 12 - k - r.nextInt(4));
                bleu[k] = r.nextInt((int) bleu[4 + k] + 1);
            }
            bleu[8] = bleu[4];
            bleu[9] = bleu[4] + r.nextInt(5) - 2;
            long[] chrf = new long[3 * 8];
            for (int k = 0; k < 8; k++) {
                chrf[3 * k] = 5 + r.nextInt(20);
                chrf[3 * k + 1] = 5 + r.nextInt(20);
                chrf[3 * k + 2] = r.nextInt((int) Math.min(chrf[3 * k], chrf[3 * k + 1]) + 1);
            }
            float[] nll = new float[i % 7 == 3 ? 0 : 1 + r.nextInt(12)];
            for (int t = 0; t < nll.length; t++) {
                // a few repeated values, so ties in the pooled order are exercised
                nll[t] = r.nextInt(5) == 0 ? 1.5f : (float) (-Math.log(r.nextDouble() + 1e-6));
            }
            out.add(new ExampleRecord("ex" + i, "in", "out", List.of("ref"), Map.of("acc", r.nextDouble()),
                    Map.of("bleu", bleu, "chrf", chrf), Map.of("nll", nll), null));
        }
        return out;
    }

    @Test
    void vectorisedReplicatesEqualScalarReference() {
        List<ExampleRecord> examples = randomExamples(57, 3);
        List<Aggregate> kinds = List.of(new Aggregate.Mean("acc"), new Aggregate.CorpusBleu("bleu", "exp"),
                new Aggregate.CorpusBleu("bleu", "none"), new Aggregate.CorpusChrf("chrf", 6, 2, 2.0),
                new Aggregate.TokenMean("nll"), new Aggregate.TokenQuantile("nll", 0.5),
                new Aggregate.TokenQuantile("nll", 0.9), new Aggregate.TokenQuantile("nll", 0.0),
                new Aggregate.TokenQuantile("nll", 1.0), new Aggregate.TokenQuantile("nll", 0.37));
        Bootstrap bs = new Bootstrap(examples.size(), 203, 11);
        for (Aggregate agg : kinds) {
            double[] fast = bs.replicates(agg, examples);
            assertEquals(203, fast.length);
            for (int b = 0; b < fast.length; b++) {
                double ref = agg.compute(examples, bs.counts(b));
                assertEquals(ref, fast[b], 1e-9 * Math.max(1, Math.abs(ref)), agg + " replicate " + b);
            }
        }
    }

    @Test
    void tokenQuantileChunksAgreeWithScalarOnLongerTokenLists() {
        // enough tokens that the replicates are split into several chunks
        List<ExampleRecord> examples = new ArrayList<>();
        Random r = new Random(5);
        for (int i = 0; i < 40; i++) {
            float[] v = new float[2000];
            for (int t = 0; t < v.length; t++) {
                v[t] = (float) r.nextGaussian();
            }
            examples.add(new ExampleRecord("e" + i, null, null, null, null, null, Map.of("kl", v), null));
        }
        Aggregate agg = new Aggregate.TokenQuantile("kl", 0.9);
        Bootstrap bs = new Bootstrap(examples.size(), 60, 2);
        double[] fast = bs.replicates(agg, examples);
        for (int b = 0; b < fast.length; b++) {
            double ref = agg.compute(examples, bs.counts(b));
            assertEquals(ref, fast[b], 1e-9 * Math.max(1, Math.abs(ref)));
        }
    }

    @Test
    void countsAreSeededAndSumToN() {
        Bootstrap a = new Bootstrap(30, 5, 42);
        Bootstrap b = new Bootstrap(30, 5, 42);
        Bootstrap c = new Bootstrap(30, 5, 43);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(a.counts(i), b.counts(i));
            assertEquals(30, Arrays.stream(a.counts(i)).sum());
        }
        assertTrue(!Arrays.equals(a.counts(0), c.counts(0)));
        assertTrue(!Arrays.equals(a.counts(0), a.counts(1)));
    }

    @Test
    void percentileIntervalAndPValue() {
        double[] v = new double[101];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        double[] ci = Bootstrap.percentileInterval(v, 0.9);
        assertEquals(5.0, ci[0], 1e-12);
        assertEquals(95.0, ci[1], 1e-12);
        // deltas centred on 0 with spread 1: an observed 0.5 is exceeded by every |d| >= 0.5
        double[] d = {-1, -0.5, 0, 0.5, 1};
        assertEquals((1 + 4) / 6.0, Bootstrap.pValue(d, 0.5), 1e-12);
        assertEquals(1 / 6.0, Bootstrap.pValue(d, 2), 1e-12);
        assertEquals(1.0, Bootstrap.pValue(new double[] {0, 0, 0}, 0), 1e-12);
    }
}
