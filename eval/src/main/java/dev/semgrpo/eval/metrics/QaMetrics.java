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

/**
 * Extractive-QA exact match and F1, as the official scripts compute them, each the maximum over the gold answers
 * and reported per example on a 0..100 scale (the scripts' scale; the task value is the mean).
 *
 * <p><b>SQuAD v1.1</b> ({@code evaluate-v1.1.py}'s {@code normalize_answer}): lowercase, delete ASCII punctuation,
 * replace each word a/an/the by a space, collapse whitespace; EM is string equality after that, F1 is the harmonic
 * mean of precision and recall of the bag of normalised tokens (0 when no token is shared, so also when both are
 * empty). "Word" is as Python's {@code re.sub(r'\b(a|an|the)\b', ' ', text)} sees it: the article must not touch
 * a character of Python's {@code \w} ({@code PythonRegex.isWord}: letters, digits and other numbers such as
 * {@code ²}, '_', but no combining marks), so {@code the²} stays and an {@code a} followed by U+0300 goes.
 *
 * <p><b>CMRC 2018</b> ({@code cmrc2018_evaluate.py}): text is lowercased and stripped. EM compares the texts after
 * deleting the script's punctuation list ({@link #CMRC_PUNCTUATION}: {@code - : _ * ^ / \ ~ ` + =} and the Chinese
 * marks {@code ，。：？！“”；’《》·、「」（）－～『』}); spaces and other punctuation stay. F1 segments each text
 * ({@code mixed_segmentation(s, rm_punc=True)}): those punctuation marks are dropped, each character in
 * U+4E00..U+9FA5 is its own token, and each run in between is split by NLTK's {@code word_tokenize}
 * ({@link NltkWordTokenizer}: Treebank rules, so {@code don't} gives {@code do n't}, quotes and a run's final
 * period are split off, {@code mr.} inside a run stays one token); with L the length of the longest common
 * <em>contiguous</em> run of tokens ({@code find_lcs}), precision is L/|prediction tokens|, recall
 * L/|gold tokens|, and F1 is 0 when L is 0. One difference from the script: NLTK's default also splits a run into
 * sentences with its Punkt model (data nothing here ships) and splits the final period of each sentence; here only
 * the period that ends the run is split ({@code word_tokenize(run, preserve_line=True)}).
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
    private static final List<String> ARTICLES = List.of("a", "an", "the");
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
        return String.join(" ", Bleu.splitWhitespace(removeArticles(noPunct.toString())));
    }

    /**
     * Python's {@code re.sub(r'\b(a|an|the)\b', ' ', text)}: each a, an or the with no Python {@code \w} character
     * just before or just after it becomes one space.
     */
    static String removeArticles(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int len = i > 0 && PythonRegex.isWord(text.codePointBefore(i)) ? 0 : articleAt(text, i);
            if (len > 0) {
                out.append(' ');
                i += len;
            } else {
                int c = text.codePointAt(i);
                out.appendCodePoint(c);
                i += Character.charCount(c);
            }
        }
        return out.toString();
    }

    /** The length of the article starting at {@code i} and followed by no {@code \w} character, or 0. */
    private static int articleAt(String text, int i) {
        for (String article : ARTICLES) {
            int end = i + article.length();
            if (text.startsWith(article, i) && (end == text.length() || !PythonRegex.isWord(text.codePointAt(end)))) {
                return article.length();
            }
        }
        return 0;
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

    /** CMRC's {@code mixed_segmentation(s, rm_punc=True)} (runs split as the class comment says). */
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
        out.addAll(NltkWordTokenizer.tokenize(run.toString()));
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
