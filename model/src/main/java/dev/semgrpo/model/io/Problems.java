package dev.semgrpo.model.io;

import java.util.ArrayList;
import java.util.List;

/**
 * Problems found while checking an input, reported together but bounded: the first few are kept, the rest only
 * counted, so an input whose mistake repeats millions of times still gives a short message.
 */
public final class Problems {
    /** How many problems a message lists by default before it gives the count of the rest. */
    public static final int SHOWN = 10;

    private final int keep;
    private final List<String> shown = new ArrayList<>();
    private long count;

    /** Keeps the first {@link #SHOWN} problems. */
    public Problems() {
        this(SHOWN);
    }

    /** @param keep how many problems to keep for the message (the rest are counted) */
    public Problems(int keep) {
        this.keep = keep;
    }

    /** Records one problem. */
    public void add(String problem) {
        if (shown.size() < keep) {
            shown.add(problem);
        }
        count++;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** How many problems were recorded, shown or not. */
    public long count() {
        return count;
    }

    /**
     * {@code "<count> <what>: <advice>"} followed by the problems shown, one per indented line, and
     * {@code "... and N more"} when some were left out.
     */
    public String describe(String singular, String plural, String advice) {
        return describe(Plural.noun(count, singular, plural), advice);
    }

    /** The count and {@code what} (already in the count's number), the advice, then the kept problems. */
    public String describe(String what, String advice) {
        StringBuilder sb = new StringBuilder().append(count).append(' ').append(what);
        if (!advice.isEmpty()) {
            sb.append(": ").append(advice);
        }
        return sb.append("\n  ").append(shown("\n  ")).toString();
    }

    /** The kept problems joined by {@code separator}, then "... and N more" when some were only counted. */
    public String shown(String separator) {
        String s = String.join(separator, shown);
        return count > shown.size() ? s + separator + "... and " + (count - shown.size()) + " more" : s;
    }
}
