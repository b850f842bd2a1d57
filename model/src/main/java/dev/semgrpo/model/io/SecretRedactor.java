package dev.semgrpo.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces a secret (an API key) by {@value #MASK} in text, in the forms a server, a proxy or a log is likely to
 * echo it in: as is; JSON-escaped ({@code \/}, {@code \u002f}, any character as a {@code \}{@code uXXXX} escape,
 * backslashes doubled by nested escaping); URL-encoded (any character as {@code %XX}, also double-encoded
 * {@code %25XX}); HTML character references; hex; and base64 (standard and URL-safe alphabets, at each of the three
 * byte alignments, so the key is found inside a longer encoded string such as {@code base64("Bearer " + key)}). The
 * encoded forms combine: a base64 form with its {@code /} JSON-escaped is found too. Base64 and hex forms shorter
 * than {@value #MIN_ENCODED} characters are not looked for (they would mask ordinary words). Thread-safe.
 */
public final class SecretRedactor {
    /** What a secret is replaced by. */
    public static final String MASK = "***";
    /** Shortest base64 or hex fragment looked for. */
    static final int MIN_ENCODED = 4;

    private static final SecretRedactor NONE = new SecretRedactor(null);

    private final Pattern pattern; // null: nothing to redact

    private SecretRedactor(Pattern pattern) {
        this.pattern = pattern;
    }

    /** A redactor that changes nothing (no secret is in use). */
    public static SecretRedactor none() {
        return NONE;
    }

    /**
     * A redactor of {@code secret}: printable ASCII without spaces, as an HTTP header carries it.
     *
     * @throws IllegalArgumentException when the secret is empty or holds other characters
     */
    public static SecretRedactor of(String secret) {
        if (secret == null || secret.isEmpty() || !secret.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("a secret to redact must be printable ASCII without spaces");
        }
        byte[] bytes = secret.getBytes(StandardCharsets.US_ASCII);
        List<String> forms = new ArrayList<>();
        forms.add(secret);
        for (Base64.Encoder enc : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
            for (int offset = 0; offset < 3; offset++) {
                forms.add(base64Fragment(enc, bytes, offset));
            }
        }
        String hex = HexFormat.of().formatHex(bytes);
        StringBuilder alternatives = new StringBuilder();
        for (String form : forms) {
            if (form.equals(secret) || form.length() >= MIN_ENCODED) {
                appendForm(alternatives, form, false);
            }
        }
        if (hex.length() >= MIN_ENCODED) {
            appendForm(alternatives, hex, true);
        }
        return new SecretRedactor(Pattern.compile(alternatives.toString()));
    }

    /** {@code text} with every form of the secret replaced by {@value #MASK}; null stays null. */
    public String redact(String text) {
        if (pattern == null || text == null) {
            return text;
        }
        Matcher m = pattern.matcher(text);
        return m.find() ? m.replaceAll(Matcher.quoteReplacement(MASK)) : text;
    }

    /** A copy of {@code node} with every text value and field name redacted; null stays null. */
    public JsonNode redact(JsonNode node) {
        if (pattern == null || node == null) {
            return node;
        }
        if (node.isTextual()) {
            return TextNode.valueOf(redact(node.asText()));
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(v -> out.add(redact(v)));
            return out;
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(redact(e.getKey()), redact(e.getValue()));
            }
            return out;
        }
        return node.deepCopy();
    }

    /**
     * The base64 characters that encode {@code bytes} alone when they follow {@code offset} other bytes: those of
     * {@code base64(offset zero bytes + bytes)} whose six bits all come from {@code bytes}.
     */
    static String base64Fragment(Base64.Encoder encoder, byte[] bytes, int offset) {
        byte[] shifted = new byte[offset + bytes.length];
        System.arraycopy(bytes, 0, shifted, offset, bytes.length);
        String enc = encoder.withoutPadding().encodeToString(shifted);
        int start = (8 * offset + 5) / 6;
        int end = 8 * (offset + bytes.length) / 6;
        return start < end ? enc.substring(start, end) : "";
    }

    /** Appends {@code form} as one more alternative, each character as a {@link #unit}. */
    private static void appendForm(StringBuilder alternatives, String form, boolean anyCase) {
        if (!alternatives.isEmpty()) {
            alternatives.append('|');
        }
        for (int i = 0; i < form.length(); i++) {
            alternatives.append(unit(form.charAt(i), anyCase));
        }
    }

    /**
     * A regex matching character {@code c} as is (after any backslashes), as a JSON {@code \}{@code u} escape, as a
     * (double) URL escape or as an HTML character reference; {@code anyCase} also matches the other case of a letter.
     */
    private static String unit(char c, boolean anyCase) {
        String literal = anyCase && Character.isLetter(c)
                ? "[" + Character.toLowerCase(c) + Character.toUpperCase(c) + "]"
                : Pattern.quote(String.valueOf(c));
        String hex = hexDigits(c);
        return "(?:\\\\*" + literal + "|\\\\+u00" + hex + "|%(?:25)*" + hex + "|&#0*" + (int) c + ";|&#[xX]0*" + hex
                + ";)";
    }

    /** The two hex digits of {@code c}, each letter in both cases. */
    private static String hexDigits(char c) {
        StringBuilder sb = new StringBuilder();
        for (char d : String.format("%02x", (int) c).toCharArray()) {
            sb.append(Character.isLetter(d) ? "[" + d + Character.toUpperCase(d) + "]" : String.valueOf(d));
        }
        return sb.toString();
    }
}
