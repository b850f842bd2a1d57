package dev.semgrpo.model.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JSONL in and out. Bad lines are reported with file and line number; output goes to a temp file, then moves. */
public final class Jsonl {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper STRICT = StrictJackson.json();

    private Jsonl() {
    }

    /** A JSONL line's parsed object and where it came from. */
    public record Line(int number, JsonNode node) {
    }

    /**
     * Parses every non-blank line as one JSON object, strictly ({@link StrictJackson}: duplicate keys, trailing
     * content and non-finite numbers rejected; the file must be UTF-8); all bad lines are reported together (the
     * first 20 and a count).
     */
    public static List<Line> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        List<Line> out = new ArrayList<>();
        Problems errors = new Problems(20);
        Utf8Files.forEachLine(file, (n, s) -> {
            if (s.isBlank()) {
                return;
            }
            try {
                JsonNode node = STRICT.readTree(s);
                StrictJackson.Invalid bad = node == null ? null : StrictJackson.invalid(node, true);
                if (node == null || !node.isObject()) {
                    errors.add(file + ":" + n + ": expected a JSON object, found "
                            + (node == null ? "nothing" : node.getNodeType()));
                } else if (bad != null) {
                    errors.add(file + ":" + n + ": " + bad.path() + ": " + bad.message());
                } else {
                    out.add(new Line(n, node));
                }
            } catch (JsonProcessingException e) {
                errors.add(file + ":" + n + ": not valid JSON: " + ConfigErrors.reason(e));
            }
        });
        if (errors.count() > 0) {
            throw new IOException(Plural.of(errors.count(), "bad line") + "; fix them and run again:\n  "
                    + errors.shown("\n  "));
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no records (the file is empty)");
        }
        return out;
    }

    /** {@code node} as compact JSON, cut to 80 characters, for error messages. */
    public static String brief(JsonNode node) {
        String s = node.toString();
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Writes records to {@code file} atomically, replacing an existing file (see {@link AtomicFiles#write}). */
    public static void write(Path file, List<? extends JsonNode> records) throws IOException {
        write(file, records, true);
    }

    /**
     * Writes records to {@code file} atomically (a temp file beside it, synced, then renamed); an existing file is
     * replaced only when {@code replace} is set. A failure leaves no temp file and names the file and the reason.
     */
    public static void write(Path file, List<? extends JsonNode> records, boolean replace) throws IOException {
        AtomicFiles.write(file, replace, out -> {
            for (JsonNode n : records) {
                out.write(JSON.writeValueAsBytes(n));
                out.write('\n');
            }
        });
    }
}
