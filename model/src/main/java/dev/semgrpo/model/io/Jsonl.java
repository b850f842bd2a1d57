package dev.semgrpo.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JSONL in and out. Bad lines are reported with file and line number; output goes to a temp file, then moves. */
public final class Jsonl {
    public static final ObjectMapper JSON = new ObjectMapper();

    private Jsonl() {
    }

    /** A JSONL line's parsed object and where it came from. */
    public record Line(int number, JsonNode node) {
    }

    /** Parses every non-blank line as a JSON object; all bad lines are reported together (at most 20 shown). */
    public static List<Line> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        List<Line> out = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String s;
            int n = 0;
            while ((s = r.readLine()) != null) {
                n++;
                if (s.isBlank()) {
                    continue;
                }
                try {
                    JsonNode node = JSON.readTree(s);
                    if (node == null || !node.isObject()) {
                        errors.add(file + ":" + n + ": expected a JSON object, found "
                                + (node == null ? "nothing" : node.getNodeType()));
                    } else {
                        out.add(new Line(n, node));
                    }
                } catch (IOException e) {
                    errors.add(file + ":" + n + ": not valid JSON (" + e.getMessage().split("\n")[0] + ")");
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new IOException(errors.size() + " bad line(s); fix them and run again:\n  "
                    + String.join("\n  ", errors.subList(0, Math.min(20, errors.size()))));
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no records (the file is empty)");
        }
        return out;
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
