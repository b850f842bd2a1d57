package dev.semgrpo.rewards.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * chrF and chrF++ as sacreBLEU 2.x computes them (defaults: char order 6, beta 2, whitespace removed, effective-order
 * averaging of precision and recall, no epsilon smoothing); word order 2 gives chrF++. Multiple references: the
 * one with the best F score is used. Scores are in [0, 100]. Characters are Unicode code points; whitespace is what
 * Python's {@code str.isspace} calls whitespace ({@link Bleu#isWhitespace}).
 *
 * <p>With epsilon smoothing (sacreBLEU's {@code eps_smoothing=True}, as in chrF++.py, Moses and NLTK) the score is
 * instead the mean over all orders of the per-order F-beta, where an order with no hypothesis (reference) n-grams
 * takes precision (recall) 1e-16 and an order whose F is undefined contributes 1e-16.
 */
public final class Chrf {
    private static final Set<Integer> PUNCT = punct("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

    private final int charOrder;
    private final int wordOrder;
    private final double beta;
    private final boolean epsSmoothing;

    /** chrF with effective-order averaging (sacreBLEU's default, {@code eps_smoothing=False}). */
    public Chrf(int charOrder, int wordOrder, double beta) {
        this(charOrder, wordOrder, beta, false);
    }

    /**
     * chrF with the given orders and beta; {@code epsSmoothing} selects sacreBLEU's {@code eps_smoothing=True}
     * scoring (see the class comment).
     */
    public Chrf(int charOrder, int wordOrder, double beta, boolean epsSmoothing) {
        if (charOrder < 1 || wordOrder < 0 || !(beta > 0)) {
            throw new IllegalArgumentException("chrF needs char_order >= 1, word_order >= 0, beta > 0; found "
                    + charOrder + ", " + wordOrder + ", " + beta);
        }
        this.charOrder = charOrder;
        this.wordOrder = wordOrder;
        this.beta = beta;
        this.epsSmoothing = epsSmoothing;
    }

    /** chrF (6, 0, 2). */
    public static Chrf chrf() {
        return new Chrf(6, 0, 2);
    }

    /** chrF++ (6, 2, 2). */
    public static Chrf chrfPlusPlus() {
        return new Chrf(6, 2, 2);
    }

    public int order() {
        return charOrder + wordOrder;
    }

    /** Sentence score in [0, 100]; no references or an empty hypothesis give 0. */
    public double sentence(String hypothesis, List<String> references) {
        return fScore(statistics(hypothesis, references));
    }

    /**
     * The [hyp, ref, match] counts per order (char orders, then word orders) against the best reference; corpus
     * scores sum these over segments and call {@link #fScore}.
     */
    public long[] statistics(String hypothesis, List<String> references) {
        List<Map<String, Integer>> hyp = ngrams(hypothesis);
        long[] best = new long[3 * order()];
        double bestF = -1;
        for (String ref : references) {
            List<Map<String, Integer>> r = ngrams(ref);
            long[] stats = new long[3 * order()];
            for (int i = 0; i < order(); i++) {
                long hypCount = 0;
                long match = 0;
                for (Map.Entry<String, Integer> e : hyp.get(i).entrySet()) {
                    hypCount += e.getValue();
                    Integer rc = r.get(i).get(e.getKey());
                    if (rc != null) {
                        match += Math.min(e.getValue(), rc);
                    }
                }
                long refCount = r.get(i).values().stream().mapToLong(Integer::longValue).sum();
                stats[3 * i] = r.get(i).isEmpty() ? 0 : hypCount;
                stats[3 * i + 1] = refCount;
                stats[3 * i + 2] = match;
            }
            double f = fScore(stats);
            if (f > bestF) {
                bestF = f;
                best = stats;
            }
        }
        return best;
    }

    /**
     * The score of (summed) statistics, times 100: F-beta of the precision and recall averaged over the orders where
     * both sides have n-grams, or with epsilon smoothing the mean per-order F-beta. An empty array (no segments)
     * scores 0.
     */
    public double fScore(long[] stats) {
        if (stats.length == 0) {
            return 0; // no segments
        }
        if (stats.length != 3 * order()) {
            throw new IllegalArgumentException("chrF with " + order() + " orders needs " + 3 * order()
                    + " statistics, found " + stats.length);
        }
        if (epsSmoothing) {
            return epsSmoothedScore(stats);
        }
        double prec = 0;
        double rec = 0;
        int effective = 0;
        for (int i = 0; i < order(); i++) {
            long nHyp = stats[3 * i];
            long nRef = stats[3 * i + 1];
            long nMatch = stats[3 * i + 2];
            if (nHyp > 0 && nRef > 0) {
                prec += (double) nMatch / nHyp;
                rec += (double) nMatch / nRef;
                effective++;
            }
        }
        if (effective == 0) {
            return 0;
        }
        prec /= effective;
        rec /= effective;
        if (prec + rec == 0) {
            return 0;
        }
        double b2 = beta * beta;
        return 100 * (1 + b2) * prec * rec / (b2 * prec + rec);
    }

    private double epsSmoothedScore(long[] stats) {
        double eps = 1e-16;
        double b2 = beta * beta;
        double sum = 0;
        for (int i = 0; i < order(); i++) {
            long nHyp = stats[3 * i];
            long nRef = stats[3 * i + 1];
            long nMatch = stats[3 * i + 2];
            double prec = nHyp > 0 ? (double) nMatch / nHyp : eps;
            double rec = nRef > 0 ? (double) nMatch / nRef : eps;
            double denom = b2 * prec + rec;
            sum += denom > 0 ? (1 + b2) * prec * rec / denom : eps;
        }
        return 100 * sum / order();
    }

    private List<Map<String, Integer>> ngrams(String text) {
        List<Map<String, Integer>> out = new ArrayList<>();
        int[] cps = text.codePoints().filter(c -> !Bleu.isWhitespace(c)).toArray();
        for (int n = 1; n <= charOrder; n++) {
            Map<String, Integer> m = new HashMap<>();
            for (int i = 0; i + n <= cps.length; i++) {
                m.merge(new String(cps, i, n), 1, Integer::sum);
            }
            out.add(m);
        }
        if (wordOrder > 0) {
            List<String> words = words(text);
            for (int n = 1; n <= wordOrder; n++) {
                Map<String, Integer> m = new HashMap<>();
                for (int i = 0; i + n <= words.size(); i++) {
                    m.merge(String.join(" ", words.subList(i, i + n)), 1, Integer::sum);
                }
                out.add(m);
            }
        }
        return out;
    }

    /** Whitespace words with one leading or trailing ASCII punctuation mark split off, as chrF++ does. */
    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        for (String w : Bleu.splitWhitespace(text)) {
            int first = w.codePointAt(0);
            int last = w.codePointBefore(w.length());
            if (w.codePointCount(0, w.length()) == 1) {
                out.add(w);
            } else if (PUNCT.contains(last)) {
                out.add(w.substring(0, w.length() - Character.charCount(last)));
                out.add(new String(Character.toChars(last)));
            } else if (PUNCT.contains(first)) {
                out.add(new String(Character.toChars(first)));
                out.add(w.substring(Character.charCount(first)));
            } else {
                out.add(w);
            }
        }
        return out;
    }

    private static Set<Integer> punct(String s) {
        Set<Integer> out = new java.util.HashSet<>();
        s.codePoints().forEach(out::add);
        return out;
    }
}
