package dev.semgrpo.eval.metrics;

import dev.semgrpo.rewards.text.Bleu;

/**
 * Python 3 {@code re} classes for {@code str} patterns, written for {@code java.util.regex}, so that rules taken from
 * Python scripts match the same characters. Java's own {@code \w}, {@code \b}, {@code \s}, {@code \d} and {@code $}
 * differ: {@code \w} is ASCII (or, with UNICODE_CHARACTER_CLASS, includes combining marks and leaves out {@code ²}),
 * {@code \s} is ASCII, and {@code $} also matches before {@code \r}, U+0085, U+2028 and U+2029.
 */
final class PythonRegex {
    /**
     * Python's {@code \w}: a code point for which {@code str.isalnum()} holds (Unicode categories L* and N*: letters,
     * decimal digits, letter numbers such as Ⅻ, other numbers such as ²) or '_'. Combining marks (Mn, Mc) are not.
     */
    static final String WORD = "[\\p{L}\\p{N}_]";

    /**
     * "No {@code \w} just before": Python's {@code \b} in front of a word character. Java's look-behind over a
     * one-character class inspects one UTF-16 unit, so it would miss a supplementary-plane letter (its low surrogate
     * is no letter); the never-matching two-unit branch makes it also try the position two units back.
     */
    static final String NOT_AFTER_WORD = "(?<!" + WORD + "|(?!)..)";

    /** "No {@code \w} just after": Python's {@code \b} behind a word character. */
    static final String NOT_BEFORE_WORD = "(?!" + WORD + ")";

    /** Python's {@code \s}: what {@code str.isspace()} accepts ({@link Bleu#isWhitespace}). */
    static final String SPACE = "[\\t\\n\\x0B\\f\\r\\x1C-\\x1F \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F"
            + "\\u205F\\u3000]";

    /** Python's {@code \d}: a decimal digit of any script (category Nd). */
    static final String DIGIT = "\\p{Nd}";

    /** Python's {@code $} without MULTILINE: the end, or just before a final '\n'. */
    static final String END = "(?=\\n?\\z)";

    private PythonRegex() {
    }

    /** Whether Python's {@code \w} matches the code point (the same set as {@link #WORD}). */
    static boolean isWord(int c) {
        return c == '_' || Character.isLetter(c) || switch (Character.getType(c)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }
}
