package dev.semgrpo.model.io;

import java.util.ArrayList;
import java.util.List;

/** Problems found in an input, bounded: the first few are kept for the message, the rest only counted. */
public final class Problems {
    private final int keep;
    private final List<String> shown = new ArrayList<>();
    private long count;

    /** @param keep how many messages to keep (the message shows these and the total count) */
    public Problems(int keep) {
        this.keep = keep;
    }

    /** Records a problem. */
    public void add(String message) {
        count++;
        if (shown.size() < keep) {
            shown.add(message);
        }
    }

    /** How many problems were recorded. */
    public long count() {
        return count;
    }

    /** The kept messages joined by {@code separator}, then "... and N more" when some were only counted. */
    public String shown(String separator) {
        String s = String.join(separator, shown);
        return count > shown.size() ? s + separator + "... and " + (count - shown.size()) + " more" : s;
    }
}
