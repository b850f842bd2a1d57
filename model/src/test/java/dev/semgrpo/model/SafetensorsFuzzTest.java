package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.semgrpo.model.io.SafetensorsException;
import dev.semgrpo.model.io.SafetensorsFile;
import dev.semgrpo.model.io.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of a valid safetensors file: every mutated file either loads exactly the tensors of the valid file
 * or fails with a {@link SafetensorsException} that names the file, never any other exception. Mutations that are
 * always invalid (header length off by 1-4, edited offsets or shapes, huge values, duplicate keys, bad UTF-8, content
 * after the JSON, non-string metadata, truncation, trailing bytes) must fail; neutral ones (more padding, key order,
 * whitespace inside the JSON) must load the same tensors; random header bytes may do either, but what loads must be
 * self-consistent. The data section has no checksum in the format, so flipped data bytes are out of scope.
 */
class SafetensorsFuzzTest {
    private static final int CASES = 400;
    private static final String HEADER = SafetensorsBytes.validHeader();
    private static final byte[] DATA = SafetensorsBytes.validData(7);
    private static final Pattern NUMBER = Pattern.compile("(?<=[\\[,])\\d+(?=[\\],])");
    private static final List<String> HUGE = List.of("9223372036854775807", "9223372036854775808",
            "18446744073709551615", "18446744073709551616", "18446744073709551640", "100000000000000000000000000000",
            "-1", "-24", "24.0", "2.4e1", "\"24\"", "null", "true", "[24]");

    @TempDir
    Path dir;

    /** What a mutation may do: always fail, always load the same tensors, or either (self-consistently). */
    enum Expect { FAIL, SAME, EITHER }

    record Case(String what, byte[] file, Expect expect) {
    }

    /** A loaded file, comparable: metadata and, per tensor, dtype, shape and bytes. */
    record Loaded(Map<String, String> metadata, Map<String, String> infos, Map<String, byte[]> data) {
        static Loaded of(SafetensorsFile f) throws IOException {
            Map<String, String> infos = new TreeMap<>();
            Map<String, byte[]> data = new TreeMap<>();
            for (TensorInfo t : f.tensors().values()) {
                infos.put(t.name(), t.dtype() + " " + t.shapeString());
                ByteBuffer b = f.bytes(t.name());
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                assertEquals(t.numel() * t.dtype().bytes(), bytes.length, t.name());
                data.put(t.name(), bytes);
            }
            return new Loaded(new TreeMap<>(f.metadata()), infos, data);
        }

        void assertSame(Loaded other, String what) {
            assertEquals(metadata, other.metadata, what);
            assertEquals(infos, other.infos, what);
            for (String name : data.keySet()) {
                assertArrayEquals(data.get(name), other.data.get(name), what + ": " + name);
            }
        }
    }

    @Test
    void everyMutationLoadsTheValidTensorsOrFailsNamingTheFile() throws IOException {
        Path validFile = dir.resolve("valid.safetensors");
        Files.write(validFile, SafetensorsBytes.file(HEADER, DATA));
        Loaded valid;
        try (SafetensorsFile f = SafetensorsFile.open(validFile)) {
            valid = Loaded.of(f);
        }
        List<Function<Random, Case>> generators = List.of(this::headerLengthOffBy, this::hugeHeaderLength,
                this::editedOffset, this::editedShape, this::duplicateKey, this::badUtf8, this::afterTheJson,
                this::metadataNotAString, this::unknownDtype, this::truncated, this::trailingBytes,
                this::unknownEntryKey, this::morePadding, this::reordered, this::innerWhitespace,
                this::randomHeaderBytes);
        Random rng = new Random(20261201);
        Map<Expect, int[]> outcomes = new EnumMap<>(Expect.class);
        int failed = 0;
        for (int i = 0; i < CASES; i++) {
            Case c = generators.get(rng.nextInt(generators.size())).apply(rng);
            Path p = dir.resolve("case-" + i + ".safetensors");
            Files.write(p, c.file());
            String what = "case " + i + " (" + c.what() + ")";
            outcomes.computeIfAbsent(c.expect(), k -> new int[1])[0]++;
            Loaded got = null;
            SafetensorsException error = null;
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                got = Loaded.of(f);
            } catch (SafetensorsException e) {
                error = e;
            } catch (IOException | RuntimeException e) {
                throw new AssertionError(what + " threw " + e, e);
            }
            if (error != null) {
                failed++;
                assertTrue(c.expect() != Expect.SAME, what + " failed: " + error.getMessage());
                assertTrue(error.getMessage().startsWith(p.toString()),
                        what + " names the file: " + error.getMessage());
                assertTrue(!error.getMessage().contains("\n"), what + " is one line: " + error.getMessage());
            } else if (c.expect() == Expect.FAIL) {
                fail(what + " loaded; expected an error");
            } else if (c.expect() == Expect.SAME) {
                valid.assertSame(got, what);
            } else {
                long dataBytes = got.data().values().stream().mapToLong(b -> b.length).sum();
                assertEquals(c.file().length - 8 - headerLength(c.file()), dataBytes,
                        what + ": tensors cover the data");
            }
            Files.delete(p);
        }
        assertTrue(outcomes.get(Expect.FAIL)[0] > CASES / 2 && outcomes.get(Expect.SAME)[0] > 20,
                "generators cover both outcomes: " + outcomes.keySet());
        assertTrue(failed >= outcomes.get(Expect.FAIL)[0], "every FAIL case failed");
    }

    private static byte[] withHeaderLength(byte[] file, long len) {
        byte[] out = file.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
        return out;
    }

    private static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private static Case header(String what, String header, Expect expect) {
        return new Case(what, SafetensorsBytes.file(header, DATA), expect);
    }

    private Case headerLengthOffBy(Random r) {
        byte[] file = SafetensorsBytes.file(HEADER, DATA);
        int delta = (1 + r.nextInt(4)) * (r.nextBoolean() ? 1 : -1);
        return new Case("header length " + (delta > 0 ? "+" : "") + delta,
                withHeaderLength(file, headerLength(file) + delta), Expect.FAIL);
    }

    private Case hugeHeaderLength(Random r) {
        byte[] file = SafetensorsBytes.file(HEADER, DATA);
        long[] lens = {file.length - 7, file.length, Long.MAX_VALUE, Long.MIN_VALUE, -1, 1L << 32, 100_000_001};
        long len = lens[r.nextInt(lens.length)];
        return new Case("header length " + Long.toUnsignedString(len), withHeaderLength(file, len), Expect.FAIL);
    }

    /** Replaces the {@code k}-th number matched by {@code p} inside {@code section} of the header. */
    private static String replaceNth(String section, Pattern p, Random r, Function<String, String> by) {
        Matcher m = p.matcher(section);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        int[] s = spans.get(r.nextInt(spans.size()));
        return section.substring(0, s[0]) + by.apply(section.substring(s[0], s[1])) + section.substring(s[1]);
    }

    private static String changed(String number, Random r) {
        long v = Long.parseLong(number);
        return r.nextBoolean() ? HUGE.get(r.nextInt(HUGE.size()))
                : Long.toString(v + (1 + r.nextInt(8)) * (r.nextBoolean() ? 1 : -1));
    }

    private Case editedOffset(Random r) {
        String offsets = "data_offsets\":\\[";
        String h = rewriteSection(HEADER, Pattern.compile("(?<=" + offsets + ")\\d+|(?<=" + offsets + "\\d{1,3},)\\d+"),
                r, n -> changed(n, r));
        return header("offset edit " + diff(h), h, h.equals(HEADER) ? Expect.SAME : Expect.FAIL);
    }

    private Case editedShape(Random r) {
        String h = rewriteSection(HEADER, Pattern.compile("(?<=shape\":\\[)\\d+|(?<=shape\":\\[\\d{1,3},)\\d+"), r,
                n -> changed(n, r));
        return header("shape edit " + diff(h), h, h.equals(HEADER) ? Expect.SAME : Expect.FAIL);
    }

    private static String rewriteSection(String header, Pattern p, Random r, Function<String, String> by) {
        return replaceNth(header, p, r, by);
    }

    private static String diff(String h) {
        int i = 0;
        while (i < Math.min(h.length(), HEADER.length()) && h.charAt(i) == HEADER.charAt(i)) {
            i++;
        }
        return "at " + i + ": " + h.substring(Math.max(0, i - 10), Math.min(h.length(), i + 20));
    }

    private Case duplicateKey(Random r) {
        String[] entries = {"\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}",
            "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]}", "\"__metadata__\":{}",
            "\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}"};
        String e = entries[r.nextInt(entries.length)];
        if (r.nextBoolean()) {
            return header("duplicate " + e, HEADER.substring(0, HEADER.length() - 1) + "," + e + "}", Expect.FAIL);
        }
        String inner = r.nextBoolean() ? "\"format\":\"pt\",\"format\":\"np\","
                : "\"dtype\":\"F32\",\"dtype\":\"F32\",";
        String h = inner.startsWith("\"format")
                ? HEADER.replace("{\"format\":\"pt\",", "{" + inner)
                : HEADER.replace("\"a\":{\"dtype\":\"F32\",", "\"a\":{" + inner);
        return header("duplicate inner key " + inner, h, Expect.FAIL);
    }

    private Case badUtf8(Random r) {
        byte[][] bad = {{(byte) 0xff}, {(byte) 0xc3, 0x28}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0,
            (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80}};
        byte[] b = bad[r.nextInt(bad.length)];
        String[] anchors = {"\"a\"", "\"fuzz\"", "\"ids\""};
        String anchor = anchors[r.nextInt(anchors.length)];
        byte[] h = HEADER.getBytes(StandardCharsets.UTF_8);
        int at = HEADER.indexOf(anchor) + 1 + r.nextInt(anchor.length() - 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(h, 0, at);
        out.write(b, 0, b.length);
        out.write(h, at, h.length - at);
        return new Case("bad UTF-8 " + Arrays.toString(b) + " in " + anchor, SafetensorsBytes.file(out.toByteArray(),
                DATA), Expect.FAIL);
    }

    private Case afterTheJson(Random r) {
        String[] tails = {"x", "\n", "\t", "{}", ",", "}", "\u0000", "\r\n", " 1", "//"};
        String t = tails[r.nextInt(tails.length)];
        return header("after the JSON " + Arrays.toString(t.getBytes(StandardCharsets.UTF_8)), HEADER + t,
                Expect.FAIL);
    }

    private Case metadataNotAString(Random r) {
        String[] values = {"1", "true", "null", "{}", "[\"pt\"]", "1.5", "\"pt\""};
        String v = values[r.nextInt(values.length)];
        // the whole block may be null or empty (no metadata), never another type
        boolean whole = v.equals("\"pt\"") || r.nextInt(4) == 0 && !v.equals("null") && !v.equals("{}");
        String h = whole ? HEADER.replace("{\"format\":\"pt\",\"note\":\"fuzz\"}", v)
                : HEADER.replace("\"note\":\"fuzz\"", "\"note\":" + v);
        return header("metadata " + v, h, Expect.FAIL);
    }

    private Case unknownDtype(Random r) {
        String[] dtypes = {"\"F12\"", "\"f32\"", "\"\"", "5", "null", "[\"F32\"]", "\"F32 \""};
        String d = dtypes[r.nextInt(dtypes.length)];
        String h = HEADER.replaceFirst("\"dtype\":\"F32\"", "\"dtype\":" + Matcher.quoteReplacement(d));
        return header("dtype " + d, h, Expect.FAIL);
    }

    private Case truncated(Random r) {
        byte[] file = SafetensorsBytes.file(HEADER, DATA);
        return new Case("truncated", Arrays.copyOf(file, r.nextInt(file.length)), Expect.FAIL);
    }

    private Case trailingBytes(Random r) {
        byte[] file = SafetensorsBytes.file(HEADER, DATA);
        byte[] extra = new byte[1 + r.nextInt(16)];
        r.nextBytes(extra);
        byte[] out = Arrays.copyOf(file, file.length + extra.length);
        System.arraycopy(extra, 0, out, file.length, extra.length);
        return new Case(extra.length + " trailing bytes", out, Expect.FAIL);
    }

    private Case unknownEntryKey(Random r) {
        String[] extra = {"\"offsets\":[0,24]", "\"extra\":1", "\"Dtype\":\"F32\""};
        return header("entry key", HEADER.replace("\"a\":{", "\"a\":{" + extra[r.nextInt(extra.length)] + ","),
                Expect.FAIL);
    }

    private Case morePadding(Random r) {
        return header("more padding", HEADER + " ".repeat(1 + r.nextInt(40)), Expect.SAME);
    }

    private Case reordered(Random r) {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("__metadata__", "{\"note\":\"fuzz\",\"format\":\"pt\"}");
        entries.put("a", "{\"shape\":[2,3],\"data_offsets\":[0,24],\"dtype\":\"F32\"}");
        entries.put("b", "{\"data_offsets\":[24,40],\"dtype\":\"F32\",\"shape\":[4]}");
        entries.put("c", "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[40,40]}");
        entries.put("ids", "{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[40,56]}");
        List<String> keys = new ArrayList<>(entries.keySet());
        Collections.shuffle(keys, r);
        StringBuilder sb = new StringBuilder("{");
        for (String k : keys) {
            sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(entries.get(k));
        }
        return header("reordered " + keys, sb.append('}').toString(), Expect.SAME);
    }

    private Case innerWhitespace(Random r) {
        String[] ws = {" ", "\n", "\t", "\r\n", "  "};
        StringBuilder sb = new StringBuilder();
        boolean inString = false;
        for (int i = 0; i < HEADER.length(); i++) {
            char ch = HEADER.charAt(i);
            sb.append(ch);
            inString ^= ch == '"';
            if (!inString && (ch == ',' || ch == ':' || ch == '[') && r.nextInt(3) == 0) {
                sb.append(ws[r.nextInt(ws.length)]);
            }
        }
        return header("whitespace inside the JSON", sb.toString(), Expect.SAME);
    }

    private Case randomHeaderBytes(Random r) {
        byte[] file = SafetensorsBytes.file(HEADER, DATA);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            file[8 + r.nextInt(HEADER.length())] = (byte) r.nextInt(256);
        }
        return new Case(n + " random header byte(s)", file, Expect.EITHER);
    }
}
