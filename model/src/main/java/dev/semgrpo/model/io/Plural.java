package dev.semgrpo.model.io;

/**
 * A count with its noun in the right number, for messages: {@code of(1, "sample")} is "1 sample", {@code of(3,
 * "sample")} is "3 samples", {@code of(2, "entry", "entries")} is "2 entries".
 */
public final class Plural {
    private Plural() {
    }

    /** {@code n} and the noun, which takes an "s" unless {@code n} is 1. */
    public static String of(long n, String singular) {
        return of(n, singular, singular + "s");
    }

    /** {@code n} and the singular or the plural form. */
    public static String of(long n, String singular, String plural) {
        return n + " " + noun(n, singular, plural);
    }

    /** The noun alone: the singular form when {@code n} is 1 (or -1), else the plural. */
    public static String noun(long n, String singular, String plural) {
        return Math.abs(n) == 1 ? singular : plural;
    }

    /** "is" for one thing, "are" for any other number. */
    public static String isAre(long n) {
        return Math.abs(n) == 1 ? "is" : "are";
    }
}
