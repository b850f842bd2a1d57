package dev.semgrpo.eval.metrics;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.rewards.text.Bleu;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU as sacreBLEU 2.x {@code corpus_bleu} computes it: 4-gram precisions clipped by the maximum count over
 * each segment's references, closest reference length for the brevity penalty, n-gram statistics summed over the
 * corpus, smoothing {@code exp} (default) or {@code none}, effective order off, tokenizer {@code 13a} (default),
 * {@code zh}, {@code char} or {@code none}, optional lowercasing. A segment may have any number of references.
 *
 * <p>Per example it stores the statistics {@code [correct_1..4, total_1..4, hyp_len, ref_len]} (under
 * {@link #name()}, summed by {@link Aggregate.CorpusBleu}) and the sentence BLEU with the same tokenizer, case and
 * smoothing plus effective order, which is sacreBLEU's {@code sentence_bleu} for the default smoothing.
 *
 * <p>Signature: {@code nrefs:N|case:C|eff:no|tok:T|smooth:S|version:2.x-compat}, with N the number of references
 * per example ({@code var} when it differs between examples), C {@code mixed} or {@code lc}, T the tokenizer and S
 * the smoothing; the same fields and order as sacreBLEU's BLEU signature, with a version that claims compatibility
 * with sacreBLEU 2.x rather than naming a release.
 */
public final class BleuMetric implements TextMetric {
    /** Smoothing of orders without matches in the corpus score. */
    public enum Smooth {
        /** sacreBLEU's {@code exp} (the mteval-v13a smoothing): the k-th zero precision becomes 1/(2^k total). */
        EXP,
        /** No smoothing: any zero precision makes BLEU 0. */
        NONE;

        /** {@code exp} or {@code none}. */
        public String label() {
            return this == EXP ? "exp" : "none";
        }
    }

    private final Bleu.Tokenize tokenize;
    private final boolean lowercase;
    private final Smooth smooth;
    private final Bleu bleu;

    /** BLEU with the given tokenizer, lowercasing and smoothing. */
    public BleuMetric(Bleu.Tokenize tokenize, boolean lowercase, Smooth smooth) {
        if (tokenize == null || smooth == null) {
            throw new IllegalArgumentException("BLEU needs a tokenizer and a smoothing method");
        }
        this.tokenize = tokenize;
        this.lowercase = lowercase;
        this.smooth = smooth;
        this.bleu = new Bleu(tokenize);
    }

    /** sacreBLEU's defaults: 13a, mixed case, exp smoothing. */
    public BleuMetric() {
        this(Bleu.Tokenize.T13A, false, Smooth.EXP);
    }

    /** Spec options {@code tok}, {@code lc}, {@code smooth}; see {@link TextMetrics}. */
    static BleuMetric fromSpec(Spec spec) {
        spec.allowOnly("tok (13a|zh|char|none, default 13a), lc (true|false, default false), "
                + "smooth (exp|none, default exp)", "tok", "lc", "smooth");
        Bleu.Tokenize tok = Bleu.Tokenize.parse(spec.choice("tok", "13a", "13a", "zh", "char", "none"));
        Smooth smooth = spec.choice("smooth", "exp", "exp", "none").equals("exp") ? Smooth.EXP : Smooth.NONE;
        return new BleuMetric(tok, spec.bool("lc", false), smooth);
    }

    @Override
    public String name() {
        Spec.Writer w = new Spec.Writer("bleu");
        if (tokenize != Bleu.Tokenize.T13A) {
            w.add("tok", tokenize.label());
        }
        if (lowercase) {
            w.add("lc", "true");
        }
        if (smooth != Smooth.EXP) {
            w.add("smooth", smooth.label());
        }
        return w.toString();
    }

    /** The segment's statistics {@code [correct_1..4, total_1..4, hyp_len, closest_ref_len]}. */
    public long[] statistics(String output, List<String> references) {
        Spec.requireReferences(name(), output, references);
        return bleu.statistics(Spec.fold(lowercase, output), Spec.fold(lowercase, references));
    }

    /** Sentence BLEU (this tokenizer, case and smoothing, effective order), in [0, 100]. */
    public double sentence(String output, List<String> references) {
        return Bleu.score(statistics(output, references), smooth == Smooth.EXP, true);
    }

    /** Corpus BLEU of outputs against their references ({@code references.get(i)} for output i), in [0, 100]. */
    public double corpus(List<String> outputs, List<List<String>> references) {
        if (outputs.size() != references.size()) {
            throw new IllegalArgumentException("corpus BLEU got " + outputs.size() + " outputs but "
                    + references.size() + " reference lists; give one list per output");
        }
        long[] total = new long[2 * Bleu.MAX_ORDER + 2];
        for (int i = 0; i < outputs.size(); i++) {
            long[] s = statistics(outputs.get(i), references.get(i));
            for (int j = 0; j < s.length; j++) {
                total[j] += s[j];
            }
        }
        return Bleu.score(total, smooth == Smooth.EXP, false);
    }

    /** The sacreBLEU-style signature for {@code nrefs} references per example (a count or {@code var}). */
    public String signature(String nrefs) {
        return "nrefs:" + nrefs + "|case:" + (lowercase ? "lc" : "mixed") + "|eff:no|tok:" + tokenize.label()
                + "|smooth:" + smooth.label() + "|version:2.x-compat";
    }

    @Override
    public void score(String output, List<String> references, Map<String, Double> scores,
            Map<String, long[]> stats) {
        long[] s = statistics(output, references);
        stats.put(name(), s);
        scores.put(name(), Bleu.score(s, smooth == Smooth.EXP, true));
    }

    @Override
    public MetricResult summarize(List<ExampleRecord> examples) {
        Aggregate aggregate = new Aggregate.CorpusBleu(name(), smooth.label());
        double value = examples.isEmpty() ? Double.NaN : aggregate.compute(examples);
        return new MetricResult(name(), value, aggregate, true, signature(Spec.nrefs(examples)));
    }

    @Override
    public String toString() {
        return name();
    }
}
