package dev.semgrpo.eval.metrics;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.rewards.text.Chrf;
import java.util.List;
import java.util.Map;

/**
 * chrF and chrF++ as sacreBLEU 2.x {@code corpus_chrf} computes them: character n-grams up to {@code nc} (default 6)
 * with whitespace removed, word n-grams up to {@code nw} (0 for chrF, 2 for chrF++), beta 2, the best-scoring
 * reference per segment, statistics summed over the corpus, effective-order averaging (no epsilon smoothing),
 * optional lowercasing.
 *
 * <p>Per example it stores the {@code [hyp, ref, match]} counts per order (under {@link #name()}, summed by
 * {@link Aggregate.CorpusChrf}) and the sentence chrF from them (the same settings; sacreBLEU's
 * {@code sentence_chrf} with its defaults).
 *
 * <p>Signature: {@code nrefs:N|case:C|eff:yes|nc:K|nw:W|space:no|version:2.x-compat} (sacreBLEU's chrF signature
 * fields in its order; N is {@code var} when the reference count differs between examples, C is {@code mixed} or
 * {@code lc}). Beta is not in sacreBLEU's signature; it is in the metric name when it is not 2.
 */
public final class ChrfMetric implements TextMetric {
    private final int charOrder;
    private final int wordOrder;
    private final double beta;
    private final boolean lowercase;
    private final Chrf chrf;

    /** chrF with the given orders, beta and lowercasing. */
    public ChrfMetric(int charOrder, int wordOrder, double beta, boolean lowercase) {
        this.chrf = new Chrf(charOrder, wordOrder, beta); // validates
        this.charOrder = charOrder;
        this.wordOrder = wordOrder;
        this.beta = beta;
        this.lowercase = lowercase;
    }

    /** chrF: (6, 0, 2), mixed case. */
    public static ChrfMetric chrf() {
        return new ChrfMetric(6, 0, 2, false);
    }

    /** chrF++: (6, 2, 2), mixed case. */
    public static ChrfMetric chrfPlusPlus() {
        return new ChrfMetric(6, 2, 2, false);
    }

    /** Spec {@code chrf} or {@code chrf++} with options {@code nc}, {@code nw}, {@code beta}, {@code lc}. */
    static ChrfMetric fromSpec(Spec spec) {
        int defaultWordOrder = spec.name.equals("chrf++") ? 2 : 0;
        spec.allowOnly("nc (char order >= 1, default 6), nw (word order >= 0, default " + defaultWordOrder
                + "), beta (> 0, default 2), lc (true|false, default false)", "nc", "nw", "beta", "lc");
        return new ChrfMetric(spec.integer("nc", 6, 1), spec.integer("nw", defaultWordOrder, 0),
                spec.positive("beta", 2), spec.bool("lc", false));
    }

    @Override
    public String name() {
        String base = wordOrder == 2 ? "chrf++" : "chrf";
        Spec.Writer w = new Spec.Writer(base);
        if (charOrder != 6) {
            w.add("nc", Integer.toString(charOrder));
        }
        if (wordOrder != 0 && wordOrder != 2) {
            w.add("nw", Integer.toString(wordOrder));
        }
        if (beta != 2) {
            w.add("beta", Spec.number(beta));
        }
        if (lowercase) {
            w.add("lc", "true");
        }
        return w.toString();
    }

    /** The segment's {@code [hyp, ref, match]} counts per order against its best reference. */
    public long[] statistics(String output, List<String> references) {
        Spec.requireReferences(name(), output, references);
        return chrf.statistics(Spec.fold(lowercase, output), Spec.fold(lowercase, references));
    }

    /** Sentence chrF in [0, 100]. */
    public double sentence(String output, List<String> references) {
        return chrf.fScore(statistics(output, references));
    }

    /** Corpus chrF of outputs against their references ({@code references.get(i)} for output i), in [0, 100]. */
    public double corpus(List<String> outputs, List<List<String>> references) {
        if (outputs.size() != references.size()) {
            throw new IllegalArgumentException("corpus chrF got " + outputs.size() + " outputs but "
                    + references.size() + " reference lists; give one list per output");
        }
        long[] total = new long[3 * chrf.order()];
        for (int i = 0; i < outputs.size(); i++) {
            long[] s = statistics(outputs.get(i), references.get(i));
            for (int j = 0; j < s.length; j++) {
                total[j] += s[j];
            }
        }
        return chrf.fScore(total);
    }

    /** The sacreBLEU-style signature for {@code nrefs} references per example (a count or {@code var}). */
    public String signature(String nrefs) {
        return "nrefs:" + nrefs + "|case:" + (lowercase ? "lc" : "mixed") + "|eff:yes|nc:" + charOrder + "|nw:"
                + wordOrder + "|space:no|version:2.x-compat";
    }

    @Override
    public void score(String output, List<String> references, Map<String, Double> scores,
            Map<String, long[]> stats) {
        long[] s = statistics(output, references);
        stats.put(name(), s);
        scores.put(name(), chrf.fScore(s));
    }

    @Override
    public MetricResult summarize(List<ExampleRecord> examples) {
        Aggregate aggregate = new Aggregate.CorpusChrf(name(), charOrder, wordOrder, beta);
        double value = examples.isEmpty() ? Double.NaN : aggregate.compute(examples);
        return new MetricResult(name(), value, aggregate, true, signature(Spec.nrefs(examples)));
    }

    @Override
    public String toString() {
        return name();
    }
}
