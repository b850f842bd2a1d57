package dev.semgrpo.rewards;

import java.lang.Character.UnicodeScript;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Unicode script counting for the language reward. */
public final class Scripts {
    private Scripts() {
    }

    /** Parses script names (Unicode names, case-insensitive: tibetan, han, arabic, ethiopic, latin, ...). */
    public static Set<UnicodeScript> parse(Iterable<String> names) {
        Set<UnicodeScript> out = EnumSet.noneOf(UnicodeScript.class);
        for (String n : names) {
            try {
                UnicodeScript s = UnicodeScript.forName(n.trim().toUpperCase(Locale.ROOT).replace(' ', '_'));
                if (s == UnicodeScript.COMMON || s == UnicodeScript.INHERITED || s == UnicodeScript.UNKNOWN) {
                    throw new IllegalArgumentException("'" + n + "' is not a writing system");
                }
                out.add(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown script '" + n + "'; use a Unicode script name such as "
                        + "tibetan, han, arabic, ethiopic, latin, cyrillic, mongolian, devanagari");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the language reward needs at least one target script");
        }
        return out;
    }

    /**
     * Letters, combining marks and decimal digits of {@code text} per script. What belongs to no one script is not
     * counted: punctuation, spaces, symbols and the ASCII digits (script Common or Inherited). A script's own digits
     * count for it (Tibetan ༣, Devanagari ३, Arabic-Indic ٣), so a number written in the target script stays in it.
     *
     * @return [characters in the target scripts, characters in any script]
     */
    public static int[] count(String text, Set<UnicodeScript> targets) {
        int[] c = new int[2];
        text.codePoints().forEach(cp -> {
            if (!(Character.isLetter(cp) || isMark(cp) || Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER)) {
                return;
            }
            UnicodeScript s = UnicodeScript.of(cp);
            if (s == UnicodeScript.COMMON || s == UnicodeScript.INHERITED || s == UnicodeScript.UNKNOWN) {
                return;
            }
            c[1]++;
            if (targets.contains(s)) {
                c[0]++;
            }
        });
        return c;
    }

    private static boolean isMark(int cp) {
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK
                || t == Character.ENCLOSING_MARK;
    }

    /** The dominant script of {@code text}, or null when it has no letters. */
    public static UnicodeScript dominant(String text) {
        int[] counts = new int[UnicodeScript.values().length];
        text.codePoints().filter(cp -> Character.isLetter(cp) || isMark(cp))
                .forEach(cp -> counts[UnicodeScript.of(cp).ordinal()]++);
        counts[UnicodeScript.COMMON.ordinal()] = 0;
        counts[UnicodeScript.INHERITED.ordinal()] = 0;
        int best = 0;
        for (int i = 1; i < counts.length; i++) {
            if (counts[i] > counts[best]) {
                best = i;
            }
        }
        return counts[best] == 0 ? null : UnicodeScript.values()[best];
    }
}
