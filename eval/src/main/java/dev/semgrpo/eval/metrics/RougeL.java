package dev.semgrpo.eval.metrics;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.rewards.text.Bleu;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ROUGE-L as Google's rouge-score package defines it: with L the length of the longest common subsequence of the
 * token lists, precision L/|output|, recall L/|reference|, F1 = 2PR/(P+R) (0 when either list is empty or P+R=0);
 * with several references the one with the highest F1 counts ({@code score_multi}). The per-example score is that
 * F1 in [0, 1]; the task value is its mean. No stemming.
 *
 * <p>Tokenizers: {@code char} (default; every non-whitespace code point is a token, for scripts written without
 * spaces such as Tibetan and Chinese; case kept), {@code whitespace} (Python {@code str.split()}; case kept) and
 * {@code default} (rouge-score's tokenizer: lowercase, every run of characters other than [a-z0-9] becomes a space,
 * split; so it drops all non-ASCII text).
 *
 * <p>Signature: {@code nrefs:N|tok:T|stem:no|version:rouge-score-compat}.
 */
public final class RougeL implements TextMetric {
    /** How texts become tokens. */
    public enum Tokenizer {
        /** Every non-whitespace code point. */
        CHAR,
        /** Whitespace-separated words. */
        WHITESPACE,
        /** rouge-score's default: lowercase ASCII letters and digits only. */
        DEFAULT;

        /** {@code char}, {@code whitespace} or {@code default}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The tokens of {@code text}. */
        public List<String> tokens(String text) {
            List<String> out = new ArrayList<>();
            switch (this) {
                case CHAR -> text.codePoints().filter(c -> !Bleu.isWhitespace(c))
                        .forEach(c -> out.add(new String(Character.toChars(c))));
                case WHITESPACE -> out.addAll(Bleu.splitWhitespace(text));
                case DEFAULT -> {
                    String lower = text.toLowerCase(Locale.ROOT);
                    StringBuilder word = new StringBuilder();
                    for (int i = 0; i < lower.length(); i++) {
                        char c = lower.charAt(i);
                        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                            word.append(c);
                        } else if (word.length() > 0) {
                            out.add(word.toString());
                            word.setLength(0);
                        }
                    }
                    if (word.length() > 0) {
                        out.add(word.toString());
                    }
                }
                default -> throw new IllegalStateException(name());
            }
            return out;
        }
    }

    /** Precision, recall and F1 of one output against one reference, each in [0, 1]. */
    public record Score(double precision, double recall, double f1) {
    }

    private final Tokenizer tokenizer;

    /** ROUGE-L with the given tokenizer. */
    public RougeL(Tokenizer tokenizer) {
        if (tokenizer == null) {
            throw new IllegalArgumentException("ROUGE-L needs a tokenizer");
        }
        this.tokenizer = tokenizer;
    }

    /** Spec {@code rouge_l} with option {@code tok}. */
    static RougeL fromSpec(Spec spec) {
        spec.allowOnly("tok (char|whitespace|default, default char)", "tok");
        return new RougeL(Tokenizer.valueOf(
                spec.choice("tok", "char", "char", "whitespace", "default").toUpperCase(Locale.ROOT)));
    }

    @Override
    public String name() {
        return tokenizer == Tokenizer.CHAR ? "rouge_l" : new Spec.Writer("rouge_l").add("tok", tokenizer.label())
                .toString();
    }

    /** ROUGE-L of {@code output} against one reference. */
    public Score score(String output, String reference) {
        return score(tokenizer.tokens(output), tokenizer.tokens(reference));
    }

    /** ROUGE-L of prediction tokens against target tokens. */
    public static Score score(List<String> prediction, List<String> target) {
        if (prediction.isEmpty() || target.isEmpty()) {
            return new Score(0, 0, 0);
        }
        int lcs = lcsLength(prediction, target);
        double p = (double) lcs / prediction.size();
        double r = (double) lcs / target.size();
        return new Score(p, r, p + r > 0 ? 2 * p * r / (p + r) : 0);
    }

    /** Length of the longest common (not necessarily contiguous) subsequence. */
    public static int lcsLength(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        for (String x : a) {
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = x.equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }

    /** The best ROUGE-L (by F1) of {@code output} over the references. */
    public Score best(String output, List<String> references) {
        Spec.requireReferences(name(), output, references);
        List<String> pred = tokenizer.tokens(output);
        Score best = null;
        for (String r : references) {
            Score s = score(pred, tokenizer.tokens(r));
            if (best == null || s.f1() > best.f1()) {
                best = s;
            }
        }
        return best;
    }

    @Override
    public void score(String output, List<String> references, Map<String, Double> scores,
            Map<String, long[]> stats) {
        scores.put(name(), best(output, references).f1());
    }

    @Override
    public MetricResult summarize(List<ExampleRecord> examples) {
        Aggregate aggregate = new Aggregate.Mean(name());
        return new MetricResult(name(), aggregate.compute(examples), aggregate, true,
                "nrefs:" + Spec.nrefs(examples) + "|tok:" + tokenizer.label() + "|stem:no|version:rouge-score-compat");
    }

    @Override
    public String toString() {
        return name();
    }
}
