package dev.semgrpo.eval.metrics;

import static dev.semgrpo.eval.metrics.PythonRegex.DIGIT;
import static dev.semgrpo.eval.metrics.PythonRegex.END;
import static dev.semgrpo.eval.metrics.PythonRegex.NOT_AFTER_WORD;
import static dev.semgrpo.eval.metrics.PythonRegex.NOT_BEFORE_WORD;
import static dev.semgrpo.eval.metrics.PythonRegex.SPACE;
import static dev.semgrpo.eval.metrics.PythonRegex.WORD;

import dev.semgrpo.rewards.text.Bleu;
import java.util.List;
import java.util.regex.Pattern;

/**
 * NLTK's {@code word_tokenize(text, preserve_line=True)}: the Penn Treebank word rules of NLTK 3.7+'s
 * {@code NLTKWordTokenizer} ({@code nltk/tokenize/destructive.py}), applied in its order to the whole text as one
 * sentence, each rule a regex substitution with Python's character classes ({@code PythonRegex}):
 * <ol>
 *   <li>starting quotes: {@code « “ ‘ „} and runs of backticks split off; a leading {@code "} becomes
 *       {@code ``}; {@code "} or {@code ''} after a space or opening bracket becomes {@code ``}; a quote before a
 *       one-character word that is no clitic is split off;</li>
 *   <li>punctuation: the final period (before closing brackets and quotes) split off; {@code :} and {@code ,} not
 *       followed by a digit, runs of periods, {@code ; @ # $ % &}, {@code ? !}, a quote before a space and
 *       {@code *} split off;</li>
 *   <li>brackets {@code ( ) [ ] { } < >} and double dashes {@code --} split off;</li>
 *   <li>ending quotes: {@code » ” ’} split off, {@code ''} and {@code "} become {@code ''}, and the clitics
 *       {@code 's 'm 'd ' 'll 're 've n't} split from the word before (upper or lower case);</li>
 *   <li>contractions (MacIntyre's list, any case): {@code cannot}, {@code d'ye}, {@code gimme}, {@code gonna},
 *       {@code gotta}, {@code lemme}, {@code more'n}, {@code wanna} (before a space), {@code 'tis}, {@code 'twas}
 *       become two tokens;</li>
 *   <li>split at Python whitespace.</li>
 * </ol>
 * So {@code don't} gives {@code do n't}, {@code "a"} gives {@code `` a ''} and {@code Mr. Smith} keeps {@code Mr.}.
 *
 * <p>Difference from NLTK's default {@code word_tokenize(text)}: that first splits the text into sentences with the
 * Punkt model ({@code punkt} data, which nothing here ships) and tokenizes each sentence, so the final period of
 * every sentence is split off; here only the period that ends the whole text is: {@code I called Dr. Jones. I
 * called Dr. Jones.} gives {@code ... Dr. Jones. I ... Jones .}, where NLTK's default gives (its doctest)
 * {@code ... Dr. Jones . I ... Jones .}.
 */
public final class NltkWordTokenizer {
    private record Rule(Pattern pattern, String replacement) {
        String apply(String text) {
            return pattern.matcher(text).replaceAll(replacement);
        }
    }

    private static final int IGNORE_CASE = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

    private static final List<Rule> STARTING_QUOTES = List.of(
            rule("([«“‘„]|[`]+)", " $1 "),
            rule("^\"", "``"),
            rule("(``)", " $1 "),
            rule("([ (\\[{<])(\"|'{2})", "$1 `` "),
            rule(IGNORE_CASE, "(')(?!re|ve|ll|m|t|s|d|n)(" + WORD + ")" + NOT_BEFORE_WORD, "$1 $2"));

    private static final List<Rule> PUNCTUATION = List.of(
            rule("([^.])(\\.)([\\])}>\"'»”’ ]*)" + SPACE + "*" + END, "$1 $2 $3 "),
            rule("([:,])([^" + DIGIT + "])", " $1 $2"),
            rule("([:,])" + END, " $1 "),
            rule("\\.{2,}", " $0 "),
            rule("[;@#$%&]", " $0 "),
            rule("([^.])(\\.)([\\])}>\"']*)" + SPACE + "*" + END, "$1 $2$3 "),
            rule("[?!]", " $0 "),
            rule("([^'])' ", "$1 ' "),
            rule("[*]", " $0 "));

    private static final Rule PARENS_BRACKETS = rule("[\\]\\[(){}<>]", " $0 ");
    private static final Rule DOUBLE_DASHES = rule("--", " -- ");

    private static final List<Rule> ENDING_QUOTES = List.of(
            rule("([»”’])", " $1 "),
            rule("''", " '' "),
            rule("\"", " '' "),
            rule("([^' ])('[sS]|'[mM]|'[dD]|') ", "$1 $2 "),
            rule("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "$1 $2 "));

    private static final List<Rule> CONTRACTIONS = List.of(
            contraction("(can)(not)" + NOT_BEFORE_WORD),
            contraction("(d)('ye)" + NOT_BEFORE_WORD),
            contraction("(gim)(me)" + NOT_BEFORE_WORD),
            contraction("(gon)(na)" + NOT_BEFORE_WORD),
            contraction("(got)(ta)" + NOT_BEFORE_WORD),
            contraction("(lem)(me)" + NOT_BEFORE_WORD),
            contraction("(more)('n)" + NOT_BEFORE_WORD),
            contraction("(wan)(na)(?=" + SPACE + ")"),
            rule(IGNORE_CASE, " ('t)(is)" + NOT_BEFORE_WORD, " $1 $2 "),
            rule(IGNORE_CASE, " ('t)(was)" + NOT_BEFORE_WORD, " $1 $2 "));

    private NltkWordTokenizer() {
    }

    private static Rule rule(String regex, String replacement) {
        return rule(0, regex, replacement);
    }

    private static Rule rule(int flags, String regex, String replacement) {
        return new Rule(Pattern.compile(regex, flags), replacement);
    }

    /** CONTRACTIONS2: {@code (?i)\b(x)(y)\b} becomes {@code " x y "}. */
    private static Rule contraction(String regex) {
        return rule(IGNORE_CASE, NOT_AFTER_WORD + regex, " $1 $2 ");
    }

    /** The tokens of {@code text}, as NLTK's {@code word_tokenize(text, preserve_line=True)} returns them. */
    public static List<String> tokenize(String text) {
        for (Rule r : STARTING_QUOTES) {
            text = r.apply(text);
        }
        for (Rule r : PUNCTUATION) {
            text = r.apply(text);
        }
        text = PARENS_BRACKETS.apply(text);
        text = DOUBLE_DASHES.apply(text);
        text = " " + text + " ";
        for (Rule r : ENDING_QUOTES) {
            text = r.apply(text);
        }
        for (Rule r : CONTRACTIONS) {
            text = r.apply(text);
        }
        return Bleu.splitWhitespace(text);
    }
}
