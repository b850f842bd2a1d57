package dev.semgrpo.model.io;

import java.util.ArrayList;
import java.util.List;

/**
 * Problems found while checking an input, reported together but bounded: the first {@link #SHOWN} are kept, the rest
 * only counted, so a config whose mistake repeats millions of times still gives a short message.
 */
public final class Problems {
    /** How many problems a message lists before it gives the count of the rest. */
    public static final int SHOWN = 10;

    private final List<String> shown = new ArrayList<>();
    private long count;

    /** Records one problem. */
    public void add(String problem) {
        if (shown.size() < SHOWN) {
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
    public String describe(String what, String advice) {
        StringBuilder sb = new StringBuilder().append(count).append(' ').append(what);
        if (!advice.isEmpty()) {
            sb.append(": ").append(advice);
        }
        for (String p : shown) {
            sb.append("\n  ").append(p);
        }
        if (count > shown.size()) {
            sb.append("\n  ... and ").append(count - shown.size()).append(" more");
        }
        return sb.toString();
    }
}
