package dev.semgrpo.model.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.ConfigErrors;
import dev.semgrpo.model.io.StrictJackson;
import dev.semgrpo.model.io.Utf8;
import dev.semgrpo.model.io.Utf8Files;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * A HF {@code config.json}, read strictly: one JSON object, no duplicate keys, nothing after it, and typed reads
 * that never coerce (a string is not a boolean, 2.5 is not an int, 10^12 is not an int, NaN and overflowing floats
 * are not numbers). Errors name the file, the line where the key sits, the key path, the value found and the fix.
 */
public final class ConfigJson {
    private static final ObjectMapper JSON = StrictJackson.json();

    private ConfigJson() {
    }

    /**
     * A config value that breaks a rule; {@link #path()} is the key path ({@code rope_scaling.factor}) that
     * {@link #bind} turns into a line of the file.
     */
    public static final class KeyException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String path;

        public KeyException(String path, String message) {
            super(message);
            this.path = path;
        }

        public String path() {
            return path;
        }
    }

    /**
     * Reads {@code file} as one JSON object. {@code missing} says what needs the file when it does not exist.
     *
     * @throws IOException naming the file, line and column of malformed JSON, a duplicate key, trailing content or
     *     bytes that are not UTF-8
     */
    public static ObjectNode read(Path file, String missing) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file; " + missing);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + ")", e);
        }
        int invalid = Utf8.firstInvalid(bytes);
        if (invalid >= 0) {
            throw new IOException(file + ": line " + Utf8.lineOf(bytes, invalid) + ": " + Utf8.describeByte(bytes,
                    invalid) + " is not valid UTF-8; save config.json as UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 0 ? "" : " line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ":";
            throw new IOException(file + ":" + where + " not valid JSON: " + e.getOriginalMessage().split("\n")[0]
                    + "; config.json must be one JSON object with unique keys", e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": must hold one JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        return (ObjectNode) root;
    }

    /**
     * Maps {@code root} (read from {@code file}) with {@code mapper}; a rule it breaks becomes one message naming the
     * file, the line of the offending key when known, the rule and the value, ending with "fix config.json".
     */
    public static <T> T bind(Path file, JsonNode root, Function<JsonNode, T> mapper) {
        try {
            return mapper.apply(root);
        } catch (IllegalArgumentException e) {
            int line = -1;
            for (Throwable t = e; t != null && line < 0; t = t.getCause()) {
                if (t instanceof KeyException k) {
                    line = lineOf(file, k.path());
                }
            }
            throw new IllegalArgumentException(file + ":" + (line > 0 ? " line " + line + ":" : "") + " "
                    + e.getMessage() + "; fix config.json", e);
        }
    }

    /** The line of key {@code path} (dot-separated object keys) in {@code file}, or -1. */
    static int lineOf(Path file, String path) {
        try {
            return ConfigErrors.exactLineOf(Utf8Files.read(file), path);
        } catch (IOException e) {
            return -1; // the file parsed a moment ago; a line number is a courtesy, not worth a second error
        }
    }

    private static JsonNode value(JsonNode node, String key) {
        JsonNode n = node.get(key);
        return n == null || n.isNull() ? null : n;
    }

    /** An int, or null when absent or null; floats, strings and values outside 32 bits are errors. */
    public static Integer integer(JsonNode node, String key, String path) {
        JsonNode n = value(node, key);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new KeyException(path, "'" + path + "' must be a whole number in [" + Integer.MIN_VALUE + ", "
                    + Integer.MAX_VALUE + "], found " + n);
        }
        return n.intValue();
    }

    /** A finite number (integers allowed), or null when absent or null. */
    public static Double number(JsonNode node, String key, String path) {
        JsonNode n = value(node, key);
        if (n == null) {
            return null;
        }
        if (!n.isNumber() || !Double.isFinite(n.doubleValue())) {
            throw new KeyException(path, "'" + path + "' must be a finite number, found " + n);
        }
        return n.doubleValue();
    }

    /** true or false, or null when absent or null; strings and numbers are errors. */
    public static Boolean bool(JsonNode node, String key, String path) {
        JsonNode n = value(node, key);
        if (n == null) {
            return null;
        }
        if (!n.isBoolean()) {
            throw new KeyException(path, "'" + path + "' must be true or false, found " + n);
        }
        return n.booleanValue();
    }

    /** A string, or null when absent or null; numbers, lists and objects are errors. */
    public static String text(JsonNode node, String key, String path) {
        JsonNode n = value(node, key);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw new KeyException(path, "'" + path + "' must be a string, found " + n);
        }
        return n.textValue();
    }

    /** {@code value}, or an error saying that the required key {@code path} is missing. */
    public static <T> T required(T value, String path) {
        if (value == null) {
            throw new KeyException(path, "missing required key '" + path + "'");
        }
        return value;
    }
}
