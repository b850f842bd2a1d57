package dev.semgrpo.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Expected tokens are NLTK's own: nltk/test/tokenize.doctest and the NLTKWordTokenizer docstrings, and for the rest
 * the output of NLTK 3.8's {@code word_tokenize(text, preserve_line=True)}.
 */
class NltkWordTokenizerTest {
    private static void assertTokens(String text, String... expected) {
        assertEquals(List.of(expected), NltkWordTokenizer.tokenize(text), text);
    }

    @Test
    void tokenizeDoctestSentences() {
        assertTokens("On a $50,000 mortgage of 30 years at 8 percent, the monthly payment would be $366.88.",
                "On", "a", "$", "50,000", "mortgage", "of", "30", "years", "at", "8", "percent", ",", "the",
                "monthly", "payment", "would", "be", "$", "366.88", ".");
        assertTokens("\"We beat some pretty good teams to get here,\" Slocum said.",
                "``", "We", "beat", "some", "pretty", "good", "teams", "to", "get", "here", ",", "''", "Slocum",
                "said", ".");
        assertTokens("Well, we couldn't have this predictable, cliche-ridden, \"Touched by an Angel\" (a show "
                + "creator John Masius worked on) wanna-be if she didn't.",
                "Well", ",", "we", "could", "n't", "have", "this", "predictable", ",", "cliche-ridden", ",", "``",
                "Touched", "by", "an", "Angel", "''", "(", "a", "show", "creator", "John", "Masius", "worked", "on",
                ")", "wanna-be", "if", "she", "did", "n't", ".");
        assertTokens("I cannot cannot work under these conditions!",
                "I", "can", "not", "can", "not", "work", "under", "these", "conditions", "!");
        assertTokens("The company spent $30,000,000 last year.",
                "The", "company", "spent", "$", "30,000,000", "last", "year", ".");
        assertTokens("The company spent 40.75% of its income last year.",
                "The", "company", "spent", "40.75", "%", "of", "its", "income", "last", "year", ".");
        assertTokens("He arrived at 3:00 pm.", "He", "arrived", "at", "3:00", "pm", ".");
        assertTokens("I bought these items: books, pencils, and pens.",
                "I", "bought", "these", "items", ":", "books", ",", "pencils", ",", "and", "pens", ".");
        assertTokens("Though there were 150, 100 of them were old.",
                "Though", "there", "were", "150", ",", "100", "of", "them", "were", "old", ".");
        assertTokens("There were 300,000, but that wasn't enough.",
                "There", "were", "300,000", ",", "but", "that", "was", "n't", "enough", ".");
        assertTokens("It's more'n enough.", "It", "'s", "more", "'n", "enough", ".");
        assertTokens("\u00abNow that I can do.\u00bb", "\u00ab", "Now", "that", "I", "can", "do", ".", "\u00bb");
        assertTokens("The unicode 201C and 201D \u201cLEFT(RIGHT) DOUBLE QUOTATION MARK\u201d is also OPEN_PUNCT "
                + "and CLOSE_PUNCT.", "The", "unicode", "201C", "and", "201D", "\u201c", "LEFT", "(", "RIGHT", ")",
                "DOUBLE", "QUOTATION", "MARK", "\u201d", "is", "also", "OPEN_PUNCT", "and", "CLOSE_PUNCT", ".");
    }

    @Test
    void wholeTextIsOneSentence() {
        // NLTKWordTokenizer.tokenize docstring: no sentence splitting, so only the last period is split off
        assertTokens("Good muffins cost $3.88 (roughly 3,36 euros)\nin New York.  Please buy me\ntwo of them.\n"
                + "Thanks.", "Good", "muffins", "cost", "$", "3.88", "(", "roughly", "3,36", "euros", ")", "in",
                "New", "York.", "Please", "buy", "me", "two", "of", "them.", "Thanks", ".");
        // span_tokenize doctest (its tokens, read back from the spans)
        assertTokens("Good muffins cost $3.88\nin New (York).  Please (buy) me\ntwo of them.\n(Thanks).",
                "Good", "muffins", "cost", "$", "3.88", "in", "New", "(", "York", ")", ".", "Please", "(", "buy",
                ")", "me", "two", "of", "them.", "(", "Thanks", ")", ".");
        // the second span_tokenize doctest, before span_tokenize maps ``/'' back to the quotes of the text
        assertTokens("I said, \"I'd like to buy some ''good muffins\" which cost $3.88\n each in New (York).\"",
                "I", "said", ",", "``", "I", "'d", "like", "to", "buy", "some", "``", "good", "muffins", "''",
                "which", "cost", "$", "3.88", "each", "in", "New", "(", "York", ")", ".", "''");
        // word_tokenize with Punkt gives [I, called, Dr., Jones, ., I, called, Dr., Jones, .]
        assertTokens("I called Dr. Jones. I called Dr. Jones.",
                "I", "called", "Dr.", "Jones.", "I", "called", "Dr.", "Jones", ".");
    }

    @Test
    void contractionsQuotesAndAbbreviations() {
        assertTokens("don't", "do", "n't");
        assertTokens("I'd've", "I'd", "'ve"); // a clitic is split only before a space
        assertTokens("They'll SAY WE'RE", "They", "'ll", "SAY", "WE", "'RE");
        assertTokens("\"quoted\" and 'single'", "``", "quoted", "''", "and", "'single", "'");
        assertTokens("Mr. Smith met Mrs. Jones", "Mr.", "Smith", "met", "Mrs.", "Jones");
        assertTokens("Gimme, lemme, gonna, gotta, wanna go", "Gim", "me", ",", "lem", "me", ",", "gon", "na", ",",
                "got", "ta", ",", "wan", "na", "go");
        assertTokens("'Tis 'twas d'ye", "'T", "is", "'t", "was", "d", "'ye");
        assertTokens("wait... what?!--no", "wait", "...", "what", "?", "!", "--", "no");
        assertTokens("a*b; c@d #1 <x> [y] {z}", "a", "*", "b", ";", "c", "@", "d", "#", "1", "<", "x", ">", "[", "y",
                "]", "{", "z", "}");
    }

    @Test
    void wordBoundariesArePythons() {
        // a supplementary-plane letter before "cannot" is a \w, so there is no \b and no split
        assertTokens("\uD835\uDC00cannot", "\uD835\uDC00cannot");
        // '²' is a \w to Python (str.isalnum), a combining mark is not
        assertTokens("\u00B2cannot", "\u00B2cannot");
        assertTokens("\u0300cannot", "\u0300", "can", "not");
        // ':' before a non-ASCII decimal digit (Python's \d) stays
        assertTokens("a:\u0663", "a:\u0663");
        assertTokens("a:b", "a", ":", "b");
        // Python's \s includes U+00A0 and U+3000 (the final period before them is split off)
        assertTokens("end.\u00A0", "end", ".");
        assertTokens("end.\u3000", "end", ".");
    }

    @Test
    void wordClassAndIsWordAgreeOnEveryCodePoint() {
        Pattern word = Pattern.compile(PythonRegex.WORD);
        int words = 0;
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            boolean inClass = word.matcher(new String(Character.toChars(c))).matches();
            assertEquals(inClass, PythonRegex.isWord(c), "U+" + Integer.toHexString(c));
            words += inClass ? 1 : 0;
        }
        assertTrue(words > 100_000, "letters and numbers of all scripts: " + words);
    }
}
