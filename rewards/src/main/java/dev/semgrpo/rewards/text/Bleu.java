package dev.semgrpo.rewards.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * BLEU as sacreBLEU 2.x computes it: 4-gram precisions clipped by the maximum count over references, the closest
 * reference length for the brevity penalty, and for sentence scores exponential smoothing with effective order
 * ({@code sentence_bleu}'s defaults). Scores are in [0, 100].
 */
public final class Bleu {
    /** sacreBLEU tokenizers. */
    public enum Tokenize {
        /** mteval-v13a, sacreBLEU's default. */
        T13A,
        /** Characters in sacreBLEU's Chinese ranges ({@code Bleu.isChinese}) split apart, then the 13a rules. */
        ZH,
        /** Every non-space character is a token (useful for scripts without spaces, e.g. Tibetan syllables). */
        CHAR,
        /** Whitespace split only. */
        NONE;

        /** The name sacreBLEU gives this tokenizer ({@code 13a}, {@code zh}, {@code char}, {@code none}). */
        public String label() {
            return switch (this) {
                case T13A -> "13a";
                case ZH -> "zh";
                case CHAR -> "char";
                case NONE -> "none";
            };
        }

        /** The tokenizer named {@code 13a}, {@code zh}, {@code char} or {@code none} (any case). */
        public static Tokenize parse(String name) {
            return switch (name.trim().toLowerCase(Locale.ROOT)) {
                case "13a" -> T13A;
                case "zh" -> ZH;
                case "char" -> CHAR;
                case "none" -> NONE;
                default -> throw new IllegalArgumentException("unknown BLEU tokenizer '" + name
                        + "'; choose 13a, zh, char or none");
            };
        }
    }

    public static final int MAX_ORDER = 4;
    private static final Pattern P1 = Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])");
    private static final Pattern P2 = Pattern.compile("([^0-9])([\\.,])");
    private static final Pattern P3 = Pattern.compile("([\\.,])([^0-9])");
    private static final Pattern P4 = Pattern.compile("([0-9])(-)");

    private final Tokenize tokenize;

    public Bleu(Tokenize tokenize) {
        this.tokenize = tokenize;
    }

    /** Tokens of a segment under this tokenizer. */
    public List<String> tokens(String line) {
        String s = switch (tokenize) {
            case T13A -> regexp(" " + line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
                    .replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") + " ");
            case ZH -> regexp(splitChinese(strip(line)));
            case CHAR -> {
                StringBuilder sb = new StringBuilder();
                line.codePoints().forEach(c -> sb.append(' ').appendCodePoint(c));
                yield sb.toString();
            }
            case NONE -> line;
        };
        return splitWhitespace(s);
    }

    /**
     * Python's {@code str.split()}: the pieces between runs of whitespace as {@code str.isspace} defines it (Java's
     * {@link Character#isWhitespace} plus U+0085, U+00A0, U+2007 and U+202F), none empty.
     */
    public static List<String> splitWhitespace(String text) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (isWhitespace(c)) {
                if (start >= 0) {
                    out.add(text.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(c);
        }
        if (start >= 0) {
            out.add(text.substring(start));
        }
        return out;
    }

    /** Python's {@code str.isspace} for one code point. */
    public static boolean isWhitespace(int c) {
        return Character.isWhitespace(c) || c == 0x85 || c == 0xA0 || c == 0x2007 || c == 0x202F;
    }

    /** Python's {@code str.strip()}: whitespace as {@link #isWhitespace} defines it removed from both ends. */
    static String strip(String text) {
        int from = 0;
        int to = text.length();
        while (from < to && isWhitespace(text.codePointAt(from))) {
            from += Character.charCount(text.codePointAt(from));
        }
        while (to > from && isWhitespace(text.codePointBefore(to))) {
            to -= Character.charCount(text.codePointBefore(to));
        }
        return text.substring(from, to);
    }

    private static String regexp(String line) {
        line = P1.matcher(line).replaceAll(" $1 ");
        line = P2.matcher(line).replaceAll("$1 $2 ");
        line = P3.matcher(line).replaceAll(" $1 $2");
        return P4.matcher(line).replaceAll("$1 $2 ");
    }

    private static String splitChinese(String line) {
        StringBuilder sb = new StringBuilder();
        line.codePoints().forEach(c -> {
            if (isChinese(c)) {
                sb.append(' ').appendCodePoint(c).append(' ');
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }

    /**
     * sacreBLEU's {@code TokenizerZh._is_chinese_char}, range for range. Two of its ranges are written as
     * {@code '\\u20000'} and {@code '\\u2f800'}, which Python reads as a four-digit escape plus a '0', and compares
     * as strings: they select U+2001..U+2A6D (general punctuation such as quotes and dashes, symbols, arrows, ...)
     * and U+2F81..U+2FA1, and no supplementary-plane character. We reproduce that, so scores match sacreBLEU.
     */
    static boolean isChinese(int c) {
        return (c >= 0x3400 && c <= 0x4DB5) || (c >= 0x4E00 && c <= 0x9FBB)
                || (c >= 0xF900 && c <= 0xFA2D) || (c >= 0xFA30 && c <= 0xFA6A) || (c >= 0xFA70 && c <= 0xFAD9)
                || (c >= 0x2001 && c <= 0x2A6D) || (c >= 0x2F81 && c <= 0x2FA1)
                || (c >= 0xFF00 && c <= 0xFFEF) || (c >= 0x2E80 && c <= 0x2EFF) || (c >= 0x3000 && c <= 0x303F)
                || (c >= 0x31C0 && c <= 0x31EF) || (c >= 0x2F00 && c <= 0x2FDF) || (c >= 0x2FF0 && c <= 0x2FFF)
                || (c >= 0x3100 && c <= 0x312F) || (c >= 0x31A0 && c <= 0x31BF) || (c >= 0xFE10 && c <= 0xFE1F)
                || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0x2600 && c <= 0x26FF) || (c >= 0x2700 && c <= 0x27BF)
                || (c >= 0x3200 && c <= 0x32FF) || (c >= 0x3300 && c <= 0x33FF);
    }

    /**
     * Sufficient statistics of one segment: [correct_1..4, total_1..4, hyp_len, closest_ref_len]. Corpus BLEU sums
     * them and calls {@link #score}.
     */
    public long[] statistics(String hypothesis, List<String> references) {
        List<String> hyp = tokens(hypothesis);
        List<Map<List<String>, Integer>> maxRef = new ArrayList<>();
        for (int n = 0; n < MAX_ORDER; n++) {
            maxRef.add(new HashMap<>());
        }
        int closest = -1;
        for (String r : references) {
            List<String> ref = tokens(r);
            int diff = Math.abs(ref.size() - hyp.size());
            int bestDiff = closest < 0 ? Integer.MAX_VALUE : Math.abs(closest - hyp.size());
            if (closest < 0 || diff < bestDiff || (diff == bestDiff && ref.size() < closest)) {
                closest = ref.size();
            }
            List<Map<List<String>, Integer>> rn = ngrams(ref);
            for (int n = 0; n < MAX_ORDER; n++) {
                for (Map.Entry<List<String>, Integer> e : rn.get(n).entrySet()) {
                    maxRef.get(n).merge(e.getKey(), e.getValue(), Math::max);
                }
            }
        }
        long[] s = new long[2 * MAX_ORDER + 2];
        List<Map<List<String>, Integer>> hn = ngrams(hyp);
        for (int n = 0; n < MAX_ORDER; n++) {
            for (Map.Entry<List<String>, Integer> e : hn.get(n).entrySet()) {
                s[MAX_ORDER + n] += e.getValue();
                s[n] += Math.min(e.getValue(), maxRef.get(n).getOrDefault(e.getKey(), 0));
            }
        }
        s[2 * MAX_ORDER] = hyp.size();
        s[2 * MAX_ORDER + 1] = Math.max(closest, 0);
        return s;
    }

    /** n-gram counts per order (index n-1). */
    private static List<Map<List<String>, Integer>> ngrams(List<String> tokens) {
        List<Map<List<String>, Integer>> out = new ArrayList<>();
        for (int n = 1; n <= MAX_ORDER; n++) {
            Map<List<String>, Integer> m = new HashMap<>();
            for (int i = 0; i + n <= tokens.size(); i++) {
                m.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
            }
            out.add(m);
        }
        return out;
    }

    /**
     * BLEU from statistics.
     *
     * @param smoothExp exponential smoothing of zero-match orders (sentence BLEU); off gives plain corpus BLEU
     * @param effectiveOrder average only over orders the hypothesis has n-grams of
     */
    public static double score(long[] s, boolean smoothExp, boolean effectiveOrder) {
        long sysLen = s[2 * MAX_ORDER];
        long refLen = s[2 * MAX_ORDER + 1];
        double bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - (double) refLen / sysLen) : 0) : 1;
        boolean anyMatch = false;
        for (int n = 0; n < MAX_ORDER; n++) {
            anyMatch |= s[n] > 0;
        }
        if (!anyMatch) {
            return 0;
        }
        double[] precisions = new double[MAX_ORDER];
        double smooth = 1;
        int order = MAX_ORDER;
        for (int n = 0; n < MAX_ORDER; n++) {
            long correct = s[n];
            long total = s[MAX_ORDER + n];
            if (total == 0) {
                break;
            }
            if (effectiveOrder) {
                order = n + 1;
            }
            if (correct == 0) {
                if (smoothExp) {
                    smooth *= 2;
                    precisions[n] = 100.0 / (smooth * total);
                }
            } else {
                precisions[n] = 100.0 * correct / total;
            }
        }
        double logSum = 0;
        for (int n = 0; n < order; n++) {
            logSum += precisions[n] == 0 ? -9999999999.0 : Math.log(precisions[n]);
        }
        return bp * Math.exp(logSum / order);
    }

    /** sacreBLEU's sentence_bleu: exp smoothing, effective order. */
    public double sentence(String hypothesis, List<String> references) {
        if (references.isEmpty()) {
            return 0;
        }
        return score(statistics(hypothesis, references), true, true);
    }
}
