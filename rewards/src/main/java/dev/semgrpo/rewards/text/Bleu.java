package dev.semgrpo.rewards.text;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * BLEU as sacreBLEU 2.x computes it: 4-gram precisions clipped by the maximum count over references, the closest
 * reference length for the brevity penalty, one of sacreBLEU's four smoothing methods ({@link Smoothing}) and
 * optionally effective order. {@link #sentence} is sacreBLEU's {@code sentence_bleu} (by default {@code exp}
 * smoothing with effective order). Scores are in [0, 100].
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

    /**
     * sacreBLEU's smoothing methods ({@code BLEU.SMOOTH_DEFAULTS}), Chen and Cherry (2014)'s methods 1-3, applied to
     * an order n whose statistics are {@code correct_n} matches among {@code total_n} n-grams.
     */
    public enum Smooth {
        /** No smoothing: an order without matches has precision 0, which makes BLEU 0. */
        NONE,
        /** Method 1: an order without matches gets precision {@code value / total_n} (value default 0.1). */
        FLOOR,
        /**
         * Method 2: orders n >= 2 add {@code value} (default 1) to both {@code correct_n} and {@code total_n}, also
         * when the hypothesis has no n-grams of that order, so such an order then counts with precision 1.
         */
        ADD_K,
        /** Method 3 (mteval-v13a's): the k-th order without matches gets precision {@code 1 / (2^k total_n)}. */
        EXP;

        /** The name sacreBLEU uses: {@code none}, {@code floor}, {@code add-k}, {@code exp}. */
        public String label() {
            return switch (this) {
                case NONE -> "none";
                case FLOOR -> "floor";
                case ADD_K -> "add-k";
                case EXP -> "exp";
            };
        }

        /** Whether the method takes a smoothing value (floor and add-k). */
        public boolean takesValue() {
            return this == FLOOR || this == ADD_K;
        }

        /** sacreBLEU's default value: 0.1 for floor, 1 for add-k, NaN for the methods without a value. */
        public double defaultValue() {
            return switch (this) {
                case FLOOR -> 0.1;
                case ADD_K -> 1;
                case NONE, EXP -> Double.NaN;
            };
        }

        /** The method named {@code none}, {@code floor}, {@code add-k} or {@code exp}, spelled as sacreBLEU does. */
        public static Smooth parse(String name) {
            for (Smooth s : values()) {
                if (s.label().equals(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown BLEU smoothing method '" + name
                    + "'; choose exp, none, floor or add-k (sacreBLEU's smooth_method)");
        }
    }

    /**
     * A smoothing method with its value ({@code NaN} for {@code none} and {@code exp}, which take none).
     *
     * @param method the method
     * @param value for floor and add-k a finite number > 0
     */
    public record Smoothing(Smooth method, double value) {
        /** sacreBLEU's default ({@code exp}). */
        public static final Smoothing EXP = new Smoothing(Smooth.EXP, Double.NaN);
        /** No smoothing. */
        public static final Smoothing NONE = new Smoothing(Smooth.NONE, Double.NaN);

        public Smoothing {
            if (method == null) {
                throw new IllegalArgumentException("BLEU smoothing needs a method: exp, none, floor or add-k");
            }
            if (method.takesValue() && !(value > 0 && value < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("BLEU smooth_value for " + method.label()
                        + " must be a finite number > 0, found " + value + "; omit it for the default "
                        + (method == Smooth.FLOOR ? "0.1" : "1") + " or use smoothing none");
            }
            if (!method.takesValue() && !Double.isNaN(value)) {
                throw new IllegalArgumentException("BLEU smoothing " + method.label() + " takes no smooth_value, "
                        + "found " + value + "; only floor and add-k take one");
            }
        }

        /** The method with sacreBLEU's default value. */
        public static Smoothing of(Smooth method) {
            return new Smoothing(method, method == null ? Double.NaN : method.defaultValue());
        }

        /**
         * The method as sacreBLEU's signature writes it: the name, and for floor and add-k the value with two
         * decimals in brackets ({@code floor[0.10]}, {@code add-k[1.00]}), rounded as Python's {@code :.2f} rounds
         * the binary value (half to even).
         */
        public String signature() {
            if (!method.takesValue()) {
                return method.label();
            }
            return method.label() + "[" + new BigDecimal(value).setScale(2, RoundingMode.HALF_EVEN).toPlainString()
                    + "]";
        }
    }

    public static final int MAX_ORDER = 4;
    private static final Pattern P1 = Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])");
    private static final Pattern P2 = Pattern.compile("([^0-9])([\\.,])");
    private static final Pattern P3 = Pattern.compile("([\\.,])([^0-9])");
    private static final Pattern P4 = Pattern.compile("([0-9])(-)");

    private final Tokenize tokenize;
    private final Smoothing smoothing;
    private final boolean effectiveOrder;

    /** {@code sentence_bleu}'s defaults with this tokenizer: exp smoothing, effective order. */
    public Bleu(Tokenize tokenize) {
        this(tokenize, Smoothing.EXP, true);
    }

    /** A tokenizer, and the smoothing and effective order {@link #sentence} uses. */
    public Bleu(Tokenize tokenize, Smoothing smoothing, boolean effectiveOrder) {
        if (tokenize == null || smoothing == null) {
            throw new IllegalArgumentException("BLEU needs a tokenizer and a smoothing method");
        }
        this.tokenize = tokenize;
        this.smoothing = smoothing;
        this.effectiveOrder = effectiveOrder;
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
     * BLEU from statistics, as sacreBLEU's {@code BLEU.compute_bleu}: 0 when no order has a match; an order whose
     * total is 0 ends the precisions (after add-k's addition); the geometric mean runs over all 4 orders, or with
     * effective order over the orders up to the last one with n-grams; a zero precision counts as log = -9999999999.
     *
     * @param smoothing the smoothing of orders without matches
     * @param effectiveOrder average only over orders the hypothesis has n-grams of
     */
    public static double score(long[] s, Smoothing smoothing, boolean effectiveOrder) {
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
        Smooth method = smoothing.method();
        double[] precisions = new double[MAX_ORDER];
        double smoothExp = 1;
        int order = MAX_ORDER;
        for (int n = 0; n < MAX_ORDER; n++) {
            double correct = s[n];
            double total = s[MAX_ORDER + n];
            if (method == Smooth.ADD_K && n > 0) {
                correct += smoothing.value();
                total += smoothing.value();
            }
            if (total == 0) {
                break;
            }
            if (effectiveOrder) {
                order = n + 1;
            }
            if (correct == 0) {
                if (method == Smooth.EXP) {
                    smoothExp *= 2;
                    precisions[n] = 100.0 / (smoothExp * total);
                } else if (method == Smooth.FLOOR) {
                    precisions[n] = 100.0 * smoothing.value() / total;
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

    /** sacreBLEU's {@code sentence_bleu} with this tokenizer, smoothing and effective order (0 without references). */
    public double sentence(String hypothesis, List<String> references) {
        if (references.isEmpty()) {
            return 0;
        }
        return score(statistics(hypothesis, references), smoothing, effectiveOrder);
    }
}
