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
 * corpus, smoothing {@code exp} (default), {@code none}, {@code floor} or {@code add-k} (with {@code smooth_value}),
 * effective order off (default) or on, tokenizer {@code 13a} (default), {@code zh}, {@code char} or {@code none},
 * optional lowercasing. A segment may have any number of references.
 *
 * <p>Per example it stores the statistics {@code [correct_1..4, total_1..4, hyp_len, ref_len]} (under
 * {@link #name()}, summed by {@link Aggregate.CorpusBleu}) and the sentence BLEU with the same tokenizer, case and
 * smoothing, always with effective order: sacreBLEU's {@code sentence_bleu} with these settings.
 *
 * <p>Signature: {@code nrefs:N|case:C|eff:E|tok:T|smooth:S|version:2.x-compat}, with N the number of references
 * per example ({@code var} when it differs between examples), C {@code mixed} or {@code lc}, E {@code yes} or
 * {@code no} (effective order of the corpus score), T the tokenizer and S the smoothing, with its value for floor
 * and add-k ({@code floor[0.10]}, {@code add-k[1.00]}); the same fields, order and formats as sacreBLEU's BLEU
 * signature, with a version that claims compatibility with sacreBLEU 2.x rather than naming a release.
 */
public final class BleuMetric implements TextMetric {
    private final Bleu.Tokenize tokenize;
    private final boolean lowercase;
    private final Bleu.Smoothing smoothing;
    private final boolean effectiveOrder;
    private final Bleu bleu;

    /** BLEU with the given tokenizer, lowercasing, smoothing and effective order (of the corpus score). */
    public BleuMetric(Bleu.Tokenize tokenize, boolean lowercase, Bleu.Smoothing smoothing, boolean effectiveOrder) {
        if (tokenize == null || smoothing == null) {
            throw new IllegalArgumentException("BLEU needs a tokenizer and a smoothing method");
        }
        this.tokenize = tokenize;
        this.lowercase = lowercase;
        this.smoothing = smoothing;
        this.effectiveOrder = effectiveOrder;
        this.bleu = new Bleu(tokenize);
    }

    /** BLEU with the given tokenizer, lowercasing and smoothing, effective order off. */
    public BleuMetric(Bleu.Tokenize tokenize, boolean lowercase, Bleu.Smoothing smoothing) {
        this(tokenize, lowercase, smoothing, false);
    }

    /** sacreBLEU's defaults: 13a, mixed case, exp smoothing, no effective order. */
    public BleuMetric() {
        this(Bleu.Tokenize.T13A, false, Bleu.Smoothing.EXP, false);
    }

    /** Spec options {@code tok}, {@code lc}, {@code smooth}, {@code smooth_value}, {@code eff} (see TextMetrics). */
    static BleuMetric fromSpec(Spec spec) {
        spec.allowOnly("tok (13a|zh|char|none, default 13a), lc (true|false, default false), "
                + "smooth (exp|none|floor|add-k, default exp), smooth_value (number > 0, for floor (default 0.1) "
                + "and add-k (default 1)), eff (true|false, effective order, default false)",
                "tok", "lc", "smooth", "smooth_value", "eff");
        Bleu.Tokenize tok = Bleu.Tokenize.parse(spec.choice("tok", "13a", "13a", "zh", "char", "none"));
        Bleu.Smooth method = Bleu.Smooth.parse(spec.choice("smooth", "exp", "exp", "none", "floor", "add-k"));
        Bleu.Smoothing smoothing;
        if (spec.has("smooth_value")) {
            if (!method.takesValue()) {
                throw spec.error("option 'smooth_value' applies only to smooth=floor or smooth=add-k, found smooth="
                        + method.label() + "; remove smooth_value or choose floor or add-k");
            }
            smoothing = new Bleu.Smoothing(method, spec.positive("smooth_value", Double.NaN));
        } else {
            smoothing = Bleu.Smoothing.of(method);
        }
        return new BleuMetric(tok, spec.bool("lc", false), smoothing, spec.bool("eff", false));
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
        if (smoothing.method() != Bleu.Smooth.EXP) {
            w.add("smooth", smoothing.method().label());
        }
        if (smoothing.method().takesValue() && smoothing.value() != smoothing.method().defaultValue()) {
            w.add("smooth_value", Spec.number(smoothing.value()));
        }
        if (effectiveOrder) {
            w.add("eff", "true");
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
        return Bleu.score(statistics(output, references), smoothing, true);
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
        return Bleu.score(total, smoothing, effectiveOrder);
    }

    /** The sacreBLEU-style signature for {@code nrefs} references per example (a count or {@code var}). */
    public String signature(String nrefs) {
        return "nrefs:" + nrefs + "|case:" + (lowercase ? "lc" : "mixed") + "|eff:" + (effectiveOrder ? "yes" : "no")
                + "|tok:" + tokenize.label() + "|smooth:" + smoothing.signature() + "|version:2.x-compat";
    }

    @Override
    public void score(String output, List<String> references, Map<String, Double> scores,
            Map<String, long[]> stats) {
        long[] s = statistics(output, references);
        stats.put(name(), s);
        scores.put(name(), Bleu.score(s, smoothing, true));
    }

    @Override
    public MetricResult summarize(List<ExampleRecord> examples) {
        Aggregate aggregate = new Aggregate.CorpusBleu(name(), smoothing.method().label(),
                smoothing.method().takesValue() ? smoothing.value() : null, effectiveOrder);
        double value = examples.isEmpty() ? Double.NaN : aggregate.compute(examples);
        return new MetricResult(name(), value, aggregate, true, signature(Spec.nrefs(examples)));
    }

    @Override
    public String toString() {
        return name();
    }
}
