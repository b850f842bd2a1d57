package dev.semgrpo.model.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jackson errors of YAML/JSON configs ({@link StrictJackson}), as one line that names the line, the key path, the
 * value found and what is allowed, in words rather than Jackson's class names.
 */
public final class ConfigErrors {
    private static final YAMLFactory PLAIN_YAML = new YAMLFactory();
    private static final Pattern COERCE = Pattern.compile(
            "Cannot coerce (?:empty )?(\\w[\\w-]*)? ?(?:value )?\\((.*)\\) to `([^`]+)`.*", Pattern.DOTALL);
    private static final Pattern FROM_TOKEN = Pattern.compile(
            "Cannot deserialize value of type `([^`]+)` from (\\w+) value.*", Pattern.DOTALL);
    private static final Pattern RANGE = Pattern.compile(
            "Numeric value \\((.*)\\) out of range of (\\w+) \\((.*)\\).*", Pattern.DOTALL);
    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'.*", Pattern.DOTALL);
    private static final Pattern NUMBER_FORMAT = Pattern.compile("For input string: \"(.*)\".*", Pattern.DOTALL);
    private static final Pattern MALFORMED_NUMBER = Pattern.compile("Malformed numeric value '(.*)'.*",
            Pattern.DOTALL);

    private ConfigErrors() {
    }

    /** The key path of the error, e.g. {@code rewards[0].treshold}, or "" when unknown. */
    public static String path(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m)) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /**
     * "near line N: a.b: unknown key 'x'; known keys: [...]", "... unknown type 'x'; choose ...", "... expected a
     * whole number, found 1.7", or the cause's message (validation in a record's constructor).
     *
     * @param typeChoices what to suggest for an unknown polymorphic type, e.g. "semantic, language, chrf"
     */
    public static String describe(JsonProcessingException e, String typeChoices) {
        return describe(e, typeChoices, null, "");
    }

    /**
     * As {@link #describe(JsonProcessingException, String)}, for an error found while binding a tree read from
     * {@code source} (the file's text): the line comes from the key path's place in the source.
     *
     * @param prefix the key path of the bound tree inside the source ("" for the whole file), e.g. "rewards"
     */
    public static String describe(JsonProcessingException e, String typeChoices, String source, String prefix) {
        String path = path(e);
        String full = prefix.isEmpty() ? path : path.isEmpty() ? prefix : prefix + "." + path;
        int line = line(e, source, full);
        String where = line < 0 ? "" : "near line " + line + ": ";
        if (!full.isEmpty()) {
            where += full + ": ";
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return where + "unknown key '" + u.getPropertyName() + "'; known keys: " + u.getKnownPropertyIds();
        }
        if (e instanceof InvalidTypeIdException t) {
            return where + (t.getTypeId() == null ? "'type' is missing or not a string" : "unknown type '"
                    + t.getTypeId() + "'") + "; choose " + typeChoices;
        }
        Throwable cause = e.getCause();
        // a record's own check speaks for itself; a NumberFormatException is the parser's (".nan" in a flow mapping)
        String msg = cause instanceof IllegalArgumentException && !(cause instanceof NumberFormatException)
                ? cause.getMessage() : plain(e.getOriginalMessage());
        return where + msg.split("\n")[0];
    }

    /**
     * The tree of a YAML (or JSON) config's text, read with a {@link StrictJackson} mapper and checked by {@link
     * StrictJackson#invalid} (no explicit nulls, finite numbers).
     *
     * @param where names the input in errors, e.g. the file
     * @param expected what the root must be, in words, e.g. "a mapping of sections (run, model, data, ...)"
     * @return the root mapping
     * @throws IOException "where: near line N: key.path: what was expected and found"
     */
    public static ObjectNode readTree(ObjectMapper mapper, String text, String where, String expected)
            throws IOException {
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IOException(where + ": " + describe(e, "", text, ""), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(where + ": expected " + expected + ", found " + (root == null || root.isMissingNode()
                    ? "an empty file" : root.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        StrictJackson.Invalid bad = StrictJackson.invalid(root, false);
        if (bad != null) {
            int line = lineOf(text, bad.path());
            throw new IOException(where + ": " + (line < 0 ? "" : "near line " + line + ": ")
                    + (bad.path().isEmpty() ? "" : bad.path() + ": ") + bad.message());
        }
        return (ObjectNode) root;
    }

    /** The error without a line: the key path (if any), what was expected and found, and the column. */
    public static String reason(JsonProcessingException e) {
        String path = path(e);
        JsonLocation loc = e.getLocation();
        String column = loc == null || loc.getColumnNr() < 1 ? "" : " (column " + loc.getColumnNr() + ")";
        return (path.isEmpty() ? "" : path + ": ") + plain(e.getOriginalMessage()).split("\n")[0] + column;
    }

    private static int line(JsonProcessingException e, String source, String path) {
        JsonLocation loc = e.getLocation();
        if (loc != null && loc.getLineNr() > 0 && loc.contentReference().getRawContent() != null) {
            return loc.getLineNr();
        }
        if (source == null) {
            return loc == null ? -1 : loc.getLineNr();
        }
        return lineOf(source, path);
    }

    /**
     * The 1-based line of key path {@code path} (e.g. {@code rewards[0].tau}) in YAML or JSON text, or of its
     * nearest ancestor that is there; -1 when the text cannot be read.
     */
    public static int lineOf(String source, String path) {
        return lineOf(source, path, false);
    }

    /** As {@link #lineOf(String, String)}, but -1 unless the key path itself is in the text (no ancestor). */
    public static int exactLineOf(String source, String path) {
        return lineOf(source, path, true);
    }

    private static int lineOf(String source, String path, boolean exact) {
        String want = pointer(path);
        int best = -1;
        int bestLen = -1;
        try (JsonParser p = PLAIN_YAML.createParser(source)) {
            while (p.nextToken() != null) {
                String at = p.getParsingContext().pathAsPointer().toString();
                if ((want.equals(at) || want.startsWith(at + "/")) && at.length() > bestLen) {
                    best = p.currentTokenLocation().getLineNr();
                    bestLen = at.length();
                    if (want.equals(at)) {
                        return best;
                    }
                }
            }
        } catch (IOException e) {
            return exact ? -1 : best;
        }
        return exact ? -1 : best;
    }

    private static String pointer(String path) {
        StringBuilder sb = new StringBuilder();
        for (String part : path.split("\\.")) {
            if (part.isEmpty()) {
                continue;
            }
            int b = part.indexOf('[');
            String key = b < 0 ? part : part.substring(0, b);
            if (!key.isEmpty()) {
                sb.append('/').append(key.replace("~", "~0").replace("/", "~1"));
            }
            for (Matcher m = INDEX.matcher(b < 0 ? "" : part.substring(b)); m.find(); ) {
                sb.append('/').append(m.group(1));
            }
        }
        return sb.toString();
    }

    /** Jackson's message in the user's words: what was expected and what was found. */
    static String plain(String msg) {
        Matcher m = COERCE.matcher(msg);
        if (m.matches()) {
            String shape = m.group(1) == null ? "String" : m.group(1);
            return "expected " + kind(m.group(3)) + ", found " + found(shape, m.group(2), msg.contains("empty"));
        }
        m = FROM_TOKEN.matcher(msg);
        if (m.matches()) {
            return "expected " + kind(m.group(1)) + ", found " + article(m.group(2));
        }
        m = RANGE.matcher(msg);
        if (m.matches()) {
            return "the number " + m.group(1) + " is out of range (" + m.group(2) + ": " + m.group(3) + ")";
        }
        m = DUPLICATE.matcher(msg);
        if (m.matches()) {
            return "duplicate key '" + m.group(1) + "': the key is set twice in the same section; keep one";
        }
        m = NUMBER_FORMAT.matcher(msg);
        if (m.matches()) {
            return "expected a finite number, found '" + m.group(1) + "'; NaN and infinities are not allowed";
        }
        m = MALFORMED_NUMBER.matcher(msg);
        if (m.matches()) {
            return "expected a finite number, found '" + m.group(1) + "'; NaN and infinities are not allowed";
        }
        if (msg.startsWith("Trailing token")) {
            return "content after the end of the value (a second YAML document after '---', or a second JSON value"
                    + " on the line); remove it";
        }
        if (msg.startsWith("Cannot map `null` into type")) {
            return "found null (or an empty value); write a value, or leave the key out for its default";
        }
        if (msg.contains(" in 'reader', line ")) {
            return yamlSyntax(msg);
        }
        return msg.replaceAll("`java\\.lang\\.(\\w+)`", "$1").replaceAll("`(?:\\w+\\.)+(\\w+)(\\$\\w+)?`", "$1");
    }

    /**
     * A YAML syntax error from the parser, without its position lines (the line is given separately): "not valid
     * YAML: while parsing a block mapping; expected <block end>, but found '}'".
     */
    private static String yamlSyntax(String msg) {
        StringBuilder sb = new StringBuilder("not valid YAML: ");
        String sep = "";
        for (String line : msg.split("\n")) {
            if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                sb.append(sep).append(line.strip());
                sep = "; ";
            }
        }
        return sb.toString();
    }

    private static String kind(String javaType) {
        String t = javaType.replaceAll("^java\\.(lang|util)\\.", "").replaceAll("<.*", "");
        return switch (t) {
            case "Integer", "int", "Long", "long", "Short", "short" -> "a whole number";
            case "Double", "double", "Float", "float" -> "a number";
            case "Boolean", "boolean" -> "true or false";
            case "String" -> "a string (quote numbers and booleans meant as text)";
            case "ArrayList", "List" -> "a list";
            case "LinkedHashMap", "Map", "HashMap" -> "a mapping";
            default -> t.contains("$") || t.contains(".") ? "a " + t.replaceAll(".*[.$]", "") + " section" : t;
        };
    }

    private static String found(String shape, String value, boolean empty) {
        if (empty) {
            return "an empty string";
        }
        return switch (shape) {
            case "String" -> "the string " + value + " (unquote it if a number or boolean is meant)";
            case "Floating-point", "Float" -> "the number " + value;
            case "Integer" -> "the number " + value;
            case "Boolean" -> "the boolean " + value;
            default -> value;
        };
    }

    private static String article(String tokenKind) {
        return switch (tokenKind) {
            case "Boolean" -> "a boolean";
            case "Integer", "Floating-point" -> "a number";
            case "String" -> "a string";
            case "Array" -> "a list";
            case "Object" -> "a mapping";
            default -> tokenKind;
        };
    }
}
