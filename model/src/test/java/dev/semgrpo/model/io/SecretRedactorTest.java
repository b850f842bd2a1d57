package dev.semgrpo.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

public class SecretRedactorTest {
    static final String KEY = "sk-live/Ab+Cd=Ef9/GhIjKlMn0pQr";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The key as a server, a proxy or a log may echo it, each form built here independently of the redactor:
     * raw, JSON with / escaped, every character as a JSON \\u escape (both hex cases), escaped twice, URL-encoded
     * (both hex cases, twice), HTML references, hex, and base64 of strings that hold it at each byte alignment.
     */
    public static List<String> encodings(String key) {
        List<String> out = new ArrayList<>();
        out.add(key);
        out.add(key.replace("/", "\\/"));
        out.add(key.replace("/", "\\\\/"));
        StringBuilder lower = new StringBuilder();
        StringBuilder upper = new StringBuilder();
        StringBuilder html = new StringBuilder();
        for (char c : key.toCharArray()) {
            lower.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            upper.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
            html.append("&#").append((int) c).append(';');
        }
        out.add(lower.toString());
        out.add(upper.toString());
        out.add(lower.toString().replace("\\", "\\\\"));
        out.add(html.toString());
        String url = URLEncoder.encode(key, StandardCharsets.UTF_8);
        out.add(url);
        out.add(Pattern.compile("%[0-9A-F]{2}").matcher(url).replaceAll(m -> m.group().toLowerCase(Locale.ROOT)));
        out.add(URLEncoder.encode(url, StandardCharsets.UTF_8));
        StringBuilder everyCharUrl = new StringBuilder();
        for (char c : key.toCharArray()) {
            everyCharUrl.append(String.format(Locale.ROOT, "%%%02X", (int) c));
        }
        out.add(everyCharUrl.toString());
        out.add(HexFormat.of().formatHex(key.getBytes(StandardCharsets.US_ASCII)));
        out.add(HexFormat.of().withUpperCase().formatHex(key.getBytes(StandardCharsets.US_ASCII)));
        for (String prefix : List.of("", "B", "Be", "Bearer ", "user:")) {
            byte[] bytes = (prefix + key).getBytes(StandardCharsets.US_ASCII);
            out.add(Base64.getEncoder().encodeToString(bytes));
            out.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
            out.add(Base64.getEncoder().encodeToString(bytes).replace("/", "\\/"));
        }
        return out;
    }

    /** True when {@code text} holds the key, or the key's share of a base64 form, in any of {@link #encodings}. */
    public static boolean leaks(String text, String key) {
        for (String form : encodings(key)) {
            String probe = form.length() > 12 ? form.substring(2, form.length() - 2) : form;
            if (text.contains(probe)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void everyEncodingIsMaskedInsideOtherText() {
        SecretRedactor r = SecretRedactor.of(KEY);
        for (String form : encodings(KEY)) {
            String text = "{\"error\": \"invalid key <" + form + "> given\"}";
            String red = r.redact(text);
            assertFalse(leaks(red, KEY), form + " -> " + red);
            assertTrue(red.startsWith("{\"error\": \"invalid key <") && red.endsWith("> given\"}"),
                    "the text around the key is kept: " + red);
            assertTrue(red.contains(SecretRedactor.MASK), red);
        }
    }

    @Test
    void textWithoutTheKeyIsUnchangedAndPrefixesOfItAreKept() {
        SecretRedactor r = SecretRedactor.of(KEY);
        String text = "A judge reply with [[A]], an URL http://127.0.0.1:8000/v1 and the prefix sk-live/Ab+Cd=E.";
        assertSame(text, r.redact(text));
        Random rnd = new Random(7);
        for (int i = 0; i < 300; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < 80; j++) {
                sb.append((char) (0x20 + rnd.nextInt(0x5f)));
            }
            String t = sb.toString();
            if (!leaks(t, KEY)) {
                assertEquals(t, r.redact(t));
            }
        }
        assertEquals(null, r.redact((String) null));
        assertSame(text, SecretRedactor.none().redact(text));
    }

    @Test
    void jsonTreesAreRedactedInValuesAndFieldNames() throws Exception {
        SecretRedactor r = SecretRedactor.of(KEY);
        JsonNode tree = JSON.readTree("{\"a\": [\"x " + KEY.replace("/", "\\/") + "\", 3, true, null],"
                + " \"" + KEY + "\": {\"b\": \"" + Base64.getEncoder().encodeToString(("Bearer " + KEY).getBytes(
                StandardCharsets.US_ASCII)) + "\"}, \"n\": 1.5}");
        JsonNode red = r.redact(tree);
        String text = JSON.writeValueAsString(red);
        assertFalse(leaks(text, KEY), text);
        assertEquals("x ***", red.path("a").path(0).asText());
        assertEquals(3, red.path("a").path(1).asInt());
        assertTrue(red.path("a").path(2).asBoolean());
        assertTrue(red.path("***").isObject(), text);
        assertEquals(1.5, red.path("n").asDouble());
        assertTrue(tree.has(KEY), "the input tree is not changed");
    }

    @Test
    void base64FragmentsAreTheBitsOfTheKeyAlone() {
        byte[] key = "abcdefgh".getBytes(StandardCharsets.US_ASCII);
        for (int offset = 0; offset < 3; offset++) {
            String fragment = SecretRedactor.base64Fragment(Base64.getEncoder(), key, offset);
            for (String prefix : List.of("x", "xy", "xyz", "Bearer ")) {
                if (prefix.length() % 3 == offset) {
                    String enc = Base64.getEncoder().encodeToString((prefix + "abcdefgh" + "tail").getBytes(
                            StandardCharsets.US_ASCII));
                    assertTrue(enc.contains(fragment), prefix + ": " + enc + " lacks " + fragment);
                }
            }
        }
    }

    @Test
    void shortKeysAreMaskedAsIsButTheirShortEncodingsAreNot() {
        SecretRedactor r = SecretRedactor.of("ab");
        assertEquals("x *** y", r.redact("x ab y"));
        assertEquals("Zm9v and YWI", r.redact("Zm9v and YWI"), "base64 forms under 4 characters are not looked for");
        assertThrows(IllegalArgumentException.class, () -> SecretRedactor.of("has space"));
        assertThrows(IllegalArgumentException.class, () -> SecretRedactor.of(""));
    }
}
