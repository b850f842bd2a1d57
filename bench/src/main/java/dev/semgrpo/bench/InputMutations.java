package dev.semgrpo.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutations of valid YAML configs and JSONL files, for fuzz tests and the strict-input benchmark: type swaps,
 * duplicate keys, trailing content, bytes that are not UTF-8, truncation and wrong nesting. Every mutation but
 * truncation makes the input wrong (a reader must reject it or read exactly what the valid file says);
 * truncation may also leave a shorter valid file.
 */
public final class InputMutations {
    /** What a mutation does. */
    public enum Kind {
        TYPE_SWAP, DUPLICATE_KEY, TRAILING, NOT_UTF8, TRUNCATE, NESTING;

        /** Whether a reader may accept the mutated input with different contents (a cut at a line end is valid). */
        public boolean mayChangeContent() {
            return this == TRUNCATE;
        }
    }

    /**
     * One mutated input.
     *
     * @param kind the kind of mutation
     * @param what a short description (the key or value touched), for reports
     * @param bytes the mutated file's bytes
     */
    public record Mutation(Kind kind, String what, byte[] bytes) {
    }

    /** A scalar value in the source: its character range, its key (or "[i]"), and whether it is quoted. */
    private record Scalar(int start, int end, String key, JsonToken token, boolean quoted) {
    }

    private static final YAMLFactory YAML = new YAMLFactory();
    private static final String[] TRAILING_YAML = {"\n---\nextra: 1\n", "\n--- {}\n", "\n...\n]\n", "\n}\n",
        "\n---\n- 1\n"};
    private static final String[] TRAILING_JSON = {" {}", " x", "]", ",", " {\"a\": 1}", " null"};
    private static final byte[][] BAD_BYTES = {{(byte) 0xFF}, {(byte) 0xC3}, {(byte) 0x80},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88}};

    private InputMutations() {
    }

    /** {@code n} mutations of a YAML file, cycling through the kinds, drawn from {@code seed}. */
    public static List<Mutation> yaml(String source, int n, long seed) {
        Random rnd = new Random(seed);
        List<Scalar> scalars = scalars(source);
        List<Mutation> out = new ArrayList<>();
        Kind[] kinds = Kind.values();
        for (int i = 0; i < n; i++) {
            out.add(yamlOne(source, scalars, kinds[i % kinds.length], rnd));
        }
        return out;
    }

    private static Mutation yamlOne(String src, List<Scalar> scalars, Kind kind, Random rnd) {
        Scalar s = scalars.get(rnd.nextInt(scalars.size()));
        String raw = src.substring(s.start(), s.end());
        return switch (kind) {
            case TYPE_SWAP -> {
                String v = swapped(s, raw, rnd);
                yield mutation(kind, s.key() + ": " + raw + " -> " + v, splice(src, s.start(), s.end(), v));
            }
            case DUPLICATE_KEY -> duplicate(src, scalars, rnd);
            case TRAILING -> {
                String t = TRAILING_YAML[rnd.nextInt(TRAILING_YAML.length)];
                yield mutation(kind, "append " + t.strip(), src + t);
            }
            case NOT_UTF8 -> notUtf8(src.getBytes(StandardCharsets.UTF_8), rnd);
            case TRUNCATE -> truncate(src.getBytes(StandardCharsets.UTF_8), rnd);
            case NESTING -> {
                String v = rnd.nextBoolean() ? "{value: " + raw + "}" : "\n" + " ".repeat(column(src, s.start()) + 2)
                        + "- " + raw;
                yield mutation(kind, s.key() + ": " + raw + " nested", splice(src, s.start(), s.end(), v));
            }
        };
    }

    /** A value of another type than {@code raw}'s: quoted numbers and booleans, lists, mappings, non-finite. */
    private static String swapped(Scalar s, String raw, Random rnd) {
        String[] options = switch (s.token()) {
            case VALUE_NUMBER_INT -> new String[] {"'" + raw + "'", "true", "[" + raw + "]", raw + ".0"};
            case VALUE_NUMBER_FLOAT -> new String[] {"'" + raw + "'", "true", "[" + raw + "]", ".nan", "1e999",
                "-.inf"};
            case VALUE_TRUE, VALUE_FALSE -> new String[] {"'" + raw + "'", "1", "yes", "[" + raw + "]"};
            default -> new String[] {"[" + raw + "]", "{x: " + raw + "}", "true", "12", "1.5", "null"};
        };
        String v = options[rnd.nextInt(options.length)];
        // a string field written as a quoted number is a string: swap a quoted scalar only to non-strings
        return s.quoted() && v.startsWith("'") ? "[" + raw + "]" : v;
    }

    private static Mutation duplicate(String src, List<Scalar> scalars, Random rnd) {
        List<Scalar> keyed = scalars.stream().filter(x -> !x.key().startsWith("[")).toList();
        Scalar s = keyed.get(rnd.nextInt(keyed.size()));
        String raw = src.substring(s.start(), s.end());
        int keyStart = src.lastIndexOf(s.key() + ":", s.start());
        int lineStart = src.lastIndexOf('\n', keyStart) + 1;
        String before = src.substring(lineStart, keyStart);
        String other = s.token() == JsonToken.VALUE_STRING && !s.quoted() ? raw + "x" : raw;
        String entry = s.key() + ": " + (rnd.nextBoolean() ? raw : other);
        String out;
        if (before.isBlank() || before.strip().equals("-")) {
            int lineEnd = src.indexOf('\n', s.end());
            lineEnd = lineEnd < 0 ? src.length() : lineEnd;
            out = src.substring(0, lineEnd) + "\n" + " ".repeat(keyStart - lineStart) + entry + src.substring(lineEnd);
        } else {
            out = splice(src, keyStart, keyStart, entry + ", ");
        }
        return mutation(Kind.DUPLICATE_KEY, "second " + s.key(), out);
    }

    /** {@code n} mutations of a JSONL file (one line each), cycling through the kinds, drawn from {@code seed}. */
    public static List<Mutation> jsonl(String source, int n, long seed) {
        Random rnd = new Random(seed);
        List<String> lines = new ArrayList<>(Arrays.asList(source.split("\n", -1)));
        List<Mutation> out = new ArrayList<>();
        Kind[] kinds = Kind.values();
        for (int i = 0; i < n; i++) {
            int li = rnd.nextInt(Math.max(1, lines.size() - 1));
            String line = lines.get(li);
            List<Scalar> scalars = scalars(line);
            Kind kind = kinds[i % kinds.length];
            Scalar s = scalars.get(rnd.nextInt(scalars.size()));
            String raw = line.substring(s.start(), s.end());
            String key = "line " + (li + 1) + " " + s.key();
            Mutation m = switch (kind) {
                case TYPE_SWAP -> {
                    String[] opts = s.token() == JsonToken.VALUE_STRING
                            ? new String[] {"1", "1.5", "true", "null", "[" + raw + "]", "{\"x\": " + raw + "}"}
                            : new String[] {"\"" + raw + "\"", "[" + raw + "]", "1e999", "true"};
                    String v = opts[rnd.nextInt(opts.length)];
                    yield mutation(kind, key + ": " + v, join(lines, li, splice(line, s.start(), s.end(), v)));
                }
                case DUPLICATE_KEY -> {
                    int k = line.indexOf('"' + s.key() + '"');
                    String entry = "\"" + s.key() + "\": " + (rnd.nextBoolean() ? raw : "\"other\"") + ", ";
                    yield mutation(kind, key + " twice", join(lines, li, k < 0 ? line + entry
                            : splice(line, k, k, entry)));
                }
                case TRAILING -> {
                    String t = TRAILING_JSON[rnd.nextInt(TRAILING_JSON.length)];
                    yield mutation(kind, key + " + '" + t.strip() + "'", join(lines, li, line + t));
                }
                case NOT_UTF8 -> notUtf8(source.getBytes(StandardCharsets.UTF_8), rnd);
                case TRUNCATE -> truncate(source.getBytes(StandardCharsets.UTF_8), rnd);
                case NESTING -> {
                    String v = rnd.nextBoolean() ? "{\"value\": " + raw + "}" : "[" + raw + "]";
                    yield mutation(kind, key + " nested", join(lines, li, splice(line, s.start(), s.end(), v)));
                }
            };
            out.add(m);
        }
        return out;
    }

    /** Every scalar value of a YAML (or JSON) text with its exact character range. */
    private static List<Scalar> scalars(String src) {
        List<Scalar> out = new ArrayList<>();
        try (JsonParser p = YAML.createParser(src)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (!t.isScalarValue()) {
                    continue;
                }
                int start = (int) p.currentTokenLocation().getCharOffset();
                String text = p.getText();
                String key = p.currentName() != null ? p.currentName()
                        : "[" + p.getParsingContext().getCurrentIndex() + "]";
                char c = start < src.length() ? src.charAt(start) : ' ';
                int end = c == '"' || c == '\'' ? closingQuote(src, start) : src.startsWith(text, start)
                        ? start + text.length() : -1;
                if (end > start && end <= src.length()) {
                    out.add(new Scalar(start, end, key, t, c == '"' || c == '\''));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("not a valid input to mutate", e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no scalar values to mutate");
        }
        return out;
    }

    private static int closingQuote(String src, int start) {
        char q = src.charAt(start);
        for (int i = start + 1; i < src.length(); i++) {
            char c = src.charAt(i);
            if (q == '"' && c == '\\') {
                i++;
            } else if (c == q) {
                if (q == '\'' && i + 1 < src.length() && src.charAt(i + 1) == '\'') {
                    i++;
                } else {
                    return i + 1;
                }
            }
        }
        return -1;
    }

    private static Mutation notUtf8(byte[] src, Random rnd) {
        byte[] bad = BAD_BYTES[rnd.nextInt(BAD_BYTES.length)];
        int at = rnd.nextInt(src.length + 1);
        // never split a valid multi-byte character: move to the start of the one it lands in
        while (at < src.length && (src[at] & 0xC0) == 0x80) {
            at--;
        }
        byte[] out = new byte[src.length + bad.length];
        System.arraycopy(src, 0, out, 0, at);
        System.arraycopy(bad, 0, out, at, bad.length);
        System.arraycopy(src, at, out, at + bad.length, src.length - at);
        return new Mutation(Kind.NOT_UTF8, "byte 0x" + Integer.toHexString(bad[0] & 0xFF) + " at " + at, out);
    }

    private static Mutation truncate(byte[] src, Random rnd) {
        int at = 1 + rnd.nextInt(src.length - 1);
        return new Mutation(Kind.TRUNCATE, "cut at byte " + at, Arrays.copyOf(src, at));
    }

    private static int column(String src, int offset) {
        return offset - (src.lastIndexOf('\n', offset - 1) + 1);
    }

    private static String splice(String s, int start, int end, String with) {
        return s.substring(0, start) + with + s.substring(end);
    }

    private static String join(List<String> lines, int index, String replacement) {
        List<String> copy = new ArrayList<>(lines);
        copy.set(index, replacement);
        return String.join("\n", copy);
    }

    private static Mutation mutation(Kind kind, String what, String text) {
        return new Mutation(kind, what, text.getBytes(StandardCharsets.UTF_8));
    }
}
