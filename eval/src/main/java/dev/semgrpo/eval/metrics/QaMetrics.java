package dev.semgrpo.eval.metrics;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.rewards.text.Bleu;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Extractive-QA exact match and F1, as the official scripts compute them, each the maximum over the gold answers
 * and reported per example on a 0..100 scale (the scripts' scale; the task value is the mean).
 *
 * <p><b>SQuAD v1.1</b> ({@code evaluate-v1.1.py}): normalise by lowercasing, deleting ASCII punctuation, replacing
 * the words a/an/the by spaces and collapsing whitespace; EM is string equality after that, F1 is the harmonic mean
 * of precision and recall of the bag of normalised tokens (0 when no token is shared, so also when both are
 * empty).
 *
 * <p><b>CMRC 2018</b> ({@code cmrc2018_evaluate.py}): text is lowercased and stripped. EM compares the texts after
 * deleting the script's punctuation list ({@link #CMRC_PUNCTUATION}: {@code - : _ * ^ / \ ~ ` + =} and the Chinese
 * marks {@code ，。：？！“”；’《》·、「」（）－～『』}); spaces and other punctuation stay. F1 segments each text
 * ("mixed segmentation"): those punctuation marks are dropped, each character in U+4E00..U+9FA5 is its own token,
 * and the runs in between are split into words; with L the length of the longest common <em>contiguous</em> run of
 * tokens ({@code find_lcs}), precision is L/|prediction tokens|, recall L/|gold tokens|, and F1 is 0 when L is 0.
 * The script splits the runs with NLTK's {@code word_tokenize}; here a run is split at whitespace and ASCII
 * punctuation at the start or end of a word is split off as its own token (NLTK's result for ordinary words,
 * numbers and names; NLTK differs on contractions such as "don't" and on abbreviations such as "Mr.").
 */
public final class QaMetrics implements TextMetric {
    /** Which official script. */
    public enum Style {
        /** SQuAD v1.1. */
        SQUAD,
        /** CMRC 2018 (Chinese). */
        CMRC
    }

    /** Which measure. */
    public enum Measure {
        /** Exact match. */
        EM,
        /** Token F1. */
        F1
    }

    /** The CMRC 2018 script's {@code sp_char} list (its two-character "……" entry can never match one character). */
    public static final String CMRC_PUNCTUATION = "-:_*^/\\~`+=，。：？！“”；’《》·、「」（）－～『』";

    private static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Set<Integer> CMRC_PUNCT = codePoints(CMRC_PUNCTUATION);
    private static final Set<Integer> ASCII_PUNCT = codePoints(ASCII_PUNCTUATION);

    private final Style style;
    private final Measure measure;

    /** The given script's given measure. */
    public QaMetrics(Style style, Measure measure) {
        if (style == null || measure == null) {
            throw new IllegalArgumentException("QA metric needs a style and a measure");
        }
        this.style = style;
        this.measure = measure;
    }

    @Override
    public String name() {
        return style.name().toLowerCase(Locale.ROOT) + "_" + measure.name().toLowerCase(Locale.ROOT);
    }

    /** The measure of {@code prediction} against the best gold answer, in 0..100. */
    public double best(String prediction, List<String> golds) {
        Spec.requireReferences(name(), prediction, golds);
        double best = 0;
        for (String gold : golds) {
            double s = switch (style) {
                case SQUAD -> measure == Measure.EM ? squadEm(prediction, gold) : squadF1(prediction, gold);
                case CMRC -> measure == Measure.EM ? cmrcEm(prediction, gold) : cmrcF1(prediction, gold);
            };
            best = Math.max(best, s);
        }
        return 100 * best;
    }

    // ---- SQuAD v1.1 ----

    /** SQuAD's {@code normalize_answer}. */
    public static String squadNormalize(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        StringBuilder noPunct = new StringBuilder(lower.length());
        lower.codePoints().filter(c -> !ASCII_PUNCT.contains(c)).forEach(noPunct::appendCodePoint);
        String noArticles = ARTICLES.matcher(noPunct).replaceAll(" ");
        return String.join(" ", Bleu.splitWhitespace(noArticles));
    }

    /** SQuAD exact match of one prediction and one gold answer: 1 or 0. */
    public static double squadEm(String prediction, String gold) {
        return squadNormalize(prediction).equals(squadNormalize(gold)) ? 1 : 0;
    }

    /** SQuAD bag-of-tokens F1 of one prediction and one gold answer, in [0, 1]. */
    public static double squadF1(String prediction, String gold) {
        List<String> pred = Bleu.splitWhitespace(squadNormalize(prediction));
        List<String> ref = Bleu.splitWhitespace(squadNormalize(gold));
        Map<String, Integer> refCounts = new HashMap<>();
        for (String t : ref) {
            refCounts.merge(t, 1, Integer::sum);
        }
        int same = 0;
        for (String t : pred) {
            Integer c = refCounts.get(t);
            if (c != null && c > 0) {
                same++;
                refCounts.put(t, c - 1);
            }
        }
        if (same == 0) {
            return 0;
        }
        double p = (double) same / pred.size();
        double r = (double) same / ref.size();
        return 2 * p * r / (p + r);
    }

    // ---- CMRC 2018 ----

    /** CMRC's {@code remove_punctuation}: lowercase, strip, delete {@link #CMRC_PUNCTUATION}. */
    public static String cmrcRemovePunctuation(String s) {
        StringBuilder sb = new StringBuilder();
        pyStrip(s.toLowerCase(Locale.ROOT)).codePoints().filter(c -> !CMRC_PUNCT.contains(c))
                .forEach(sb::appendCodePoint);
        return sb.toString();
    }

    /** CMRC's {@code mixed_segmentation(s, rm_punc=True)} (with the word splitting described in the class comment). */
    public static List<String> cmrcSegment(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder run = new StringBuilder();
        pyStrip(s.toLowerCase(Locale.ROOT)).codePoints().forEach(c -> {
            if (CMRC_PUNCT.contains(c)) {
                return;
            }
            if (c >= 0x4E00 && c <= 0x9FA5) {
                splitWords(run, out);
                out.add(new String(Character.toChars(c)));
            } else {
                run.appendCodePoint(c);
            }
        });
        splitWords(run, out);
        return out;
    }

    /** CMRC exact match of one prediction and one gold answer: 1 or 0. */
    public static double cmrcEm(String prediction, String gold) {
        return cmrcRemovePunctuation(prediction).equals(cmrcRemovePunctuation(gold)) ? 1 : 0;
    }

    /** CMRC F1 (longest common contiguous token run) of one prediction and one gold answer, in [0, 1]. */
    public static double cmrcF1(String prediction, String gold) {
        List<String> goldSegs = cmrcSegment(gold);
        List<String> predSegs = cmrcSegment(prediction);
        int lcs = longestCommonRun(goldSegs, predSegs);
        if (lcs == 0) {
            return 0;
        }
        double p = (double) lcs / predSegs.size();
        double r = (double) lcs / goldSegs.size();
        return 2 * p * r / (p + r);
    }

    /** Length of the longest common contiguous run of tokens (CMRC's {@code find_lcs}). */
    public static int longestCommonRun(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        int best = 0;
        for (String x : a) {
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = x.equals(b.get(j - 1)) ? prev[j - 1] + 1 : 0;
                best = Math.max(best, cur[j]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return best;
    }

    private static void splitWords(StringBuilder run, List<String> out) {
        if (run.length() == 0) {
            return;
        }
        for (String w : Bleu.splitWhitespace(run.toString())) {
            int from = 0;
            int to = w.length();
            List<String> tail = new ArrayList<>();
            while (from < to && ASCII_PUNCT.contains((int) w.charAt(from))) {
                out.add(String.valueOf(w.charAt(from++)));
            }
            while (to > from && ASCII_PUNCT.contains((int) w.charAt(to - 1))) {
                tail.add(0, String.valueOf(w.charAt(--to)));
            }
            if (to > from) {
                out.add(w.substring(from, to));
            }
            out.addAll(tail);
        }
        run.setLength(0);
    }

    private static String pyStrip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && Bleu.isWhitespace(s.codePointAt(from))) {
            from += Character.charCount(s.codePointAt(from));
        }
        while (to > from && Bleu.isWhitespace(s.codePointBefore(to))) {
            to -= Character.charCount(s.codePointBefore(to));
        }
        return s.substring(from, to);
    }

    private static Set<Integer> codePoints(String s) {
        return Set.copyOf(s.codePoints().boxed().toList());
    }

    @Override
    public void score(String output, List<String> references, Map<String, Double> scores,
            Map<String, long[]> stats) {
        scores.put(name(), best(output, references));
    }

    @Override
    public MetricResult summarize(List<ExampleRecord> examples) {
        Aggregate aggregate = new Aggregate.Mean(name());
        String norm = style == Style.SQUAD ? "squad-v1.1" : "cmrc2018";
        return new MetricResult(name(), aggregate.compute(examples), aggregate, true,
                "nrefs:" + Spec.nrefs(examples) + "|norm:" + norm + "|scale:100");
    }

    @Override
    public String toString() {
        return name();
    }
}
