package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.semgrpo.model.config.ModelConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of a valid config.json: each either loads the same {@link ModelConfig} as the valid file or fails
 * with an {@link IllegalArgumentException} or {@link IOException} whose message starts with the file's path, never
 * any other exception. Ill-typed values, out-of-range values, duplicate keys, trailing content, bad UTF-8 and
 * truncation must fail; reformatting, reordering and ignored bookkeeping keys must load the same config; removed keys
 * and random bytes may do either (a removed optional key may change the config through its default).
 */
class ConfigJsonFuzzTest {
    private static final int CASES = 300;
    private static final String VALID = ConfigJsonStrictTest.VALID;
    private static final List<String> INTS = List.of("vocab_size", "hidden_size", "intermediate_size",
            "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "max_position_embeddings",
            "bos_token_id", "eos_token_id", "original_max_position_embeddings");
    private static final List<String> NUMBERS = List.of("rms_norm_eps", "rope_theta", "factor", "low_freq_factor",
            "high_freq_factor");
    private static final List<String> BOOLS = List.of("tie_word_embeddings", "attention_bias", "mlp_bias");
    private static final List<String> STRINGS = List.of("model_type", "hidden_act", "rope_type");
    private static final List<String> BAD_INTS = List.of("\"7\"", "2.5", "8.0", "1e12", "1000000000000", "2147483648",
            "-9223372036854775809", "true", "{}", "1e999", "NaN", "Infinity", "null1", "0x10", "+3", "07");
    private static final List<String> BAD_NUMBERS = List.of("\"1e-6\"", "true", "[1.0]", "{}", "1e999", "-1e999",
            "NaN", "-Infinity", ".5", "1.", "1e");
    private static final List<String> BAD_BOOLS = List.of("\"yes\"", "\"true\"", "1", "0", "1.0", "[true]", "{}",
            "True", "\"false\"");
    private static final List<String> BAD_STRINGS = List.of("5", "true", "[\"llama\"]", "{}", "'llama'");
    private static final List<String> OUT_OF_RANGE = List.of("\"num_hidden_layers\": 0", "\"num_hidden_layers\": -1",
            "\"vocab_size\": 0", "\"head_dim\": 7", "\"num_key_value_heads\": 3", "\"bos_token_id\": 96",
            "\"eos_token_id\": -1", "\"rms_norm_eps\": 0", "\"rope_theta\": -1.0", "\"factor\": 0.5",
            "\"max_position_embeddings\": 0", "\"hidden_act\": \"gelu\"", "\"model_type\": \"gpt2\"",
            "\"rope_type\": \"dynamic\"", "\"low_freq_factor\": 9.0");

    @TempDir
    Path dir;

    /** What a mutation may do. */
    enum Expect { FAIL, SAME, EITHER }

    record Case(String what, byte[] file, Expect expect) {
        static Case of(String what, String text, Expect expect) {
            return new Case(what, text.getBytes(StandardCharsets.UTF_8), expect);
        }
    }

    @Test
    void everyMutationLoadsTheValidConfigOrFailsNamingTheFile() throws IOException {
        Path validFile = dir.resolve("config.json");
        Files.writeString(validFile, VALID);
        ModelConfig valid = ModelConfig.load(validFile);
        List<Function<Random, Case>> generators = List.of(this::illTyped, this::illTyped, this::illTyped,
                this::outOfRange, this::removedKey, this::duplicateKey, this::trailing, this::badUtf8, this::truncated,
                this::reformatted, this::bookkeeping, this::randomBytes);
        Random rng = new Random(20261202);
        Map<Expect, int[]> counts = new EnumMap<>(Expect.class);
        for (int i = 0; i < CASES; i++) {
            Case c = generators.get(rng.nextInt(generators.size())).apply(rng);
            Path p = dir.resolve("case-" + i).resolve("config.json");
            Files.createDirectories(p.getParent());
            Files.write(p, c.file());
            String what = "case " + i + " (" + c.what() + ")";
            counts.computeIfAbsent(c.expect(), k -> new int[1])[0]++;
            ModelConfig got = null;
            Exception error = null;
            try {
                got = ModelConfig.load(p);
            } catch (IllegalArgumentException | IOException e) {
                error = e;
            } catch (RuntimeException e) {
                throw new AssertionError(what + " threw " + e, e);
            }
            if (error != null) {
                assertTrue(c.expect() != Expect.SAME, what + " failed: " + error.getMessage());
                assertTrue(error.getMessage().startsWith(p + ":"), what + " names the file: " + error.getMessage());
                assertTrue(error.getMessage().length() < 1000, what + " is bounded: " + error.getMessage());
            } else if (c.expect() == Expect.FAIL) {
                fail(what + " loaded " + got);
            } else if (c.expect() == Expect.SAME) {
                assertEquals(valid, got, what);
            }
        }
        assertTrue(counts.get(Expect.FAIL)[0] > CASES / 2 && counts.get(Expect.SAME)[0] > 20, counts.keySet()
                + " both covered");
    }

    private static <T> T pick(List<T> items, Random r) {
        return items.get(r.nextInt(items.size()));
    }

    /** {@code VALID} with the value of {@code key} replaced by the raw JSON text {@code value}. */
    private static String withValue(String key, String value) {
        Matcher m = Pattern.compile("(\"" + key + "\": )[^,\\n]+").matcher(VALID);
        assertTrue(m.find(), key);
        return VALID.substring(0, m.start()) + m.group(1) + value + VALID.substring(m.end());
    }

    private Case illTyped(Random r) {
        int kind = r.nextInt(5);
        String key;
        String value;
        switch (kind) {
            case 0 -> {
                key = pick(INTS, r);
                value = pick(BAD_INTS, r);
            }
            case 1 -> {
                key = pick(NUMBERS, r);
                value = pick(BAD_NUMBERS, r);
            }
            case 2 -> {
                key = pick(BOOLS, r);
                value = pick(BAD_BOOLS, r);
            }
            case 3 -> {
                key = pick(STRINGS, r);
                value = pick(BAD_STRINGS, r);
            }
            default -> {
                String block = pick(List.of("\"llama3\"", "[8.0]", "3", "true", "\"{}\""), r);
                String text = VALID.replaceFirst("(?s)\"rope_scaling\": \\{.*?\\},", "\"rope_scaling\": "
                        + Matcher.quoteReplacement(block) + ",");
                return Case.of("rope_scaling of the wrong type", text, Expect.FAIL);
            }
        }
        return Case.of(key + " = " + value, withValue(key, value), Expect.FAIL);
    }

    private Case outOfRange(Random r) {
        String kv = pick(OUT_OF_RANGE, r);
        String key = kv.substring(1, kv.indexOf('"', 1));
        return Case.of(kv, withValue(key, kv.substring(kv.indexOf(": ") + 2)), Expect.FAIL);
    }

    private Case removedKey(Random r) {
        List<String> keys = new ArrayList<>(INTS);
        keys.addAll(NUMBERS);
        keys.addAll(BOOLS);
        keys.addAll(STRINGS);
        String key = pick(keys, r);
        String text = VALID.replaceFirst("\\n *\"" + key + "\": [^,\\n]+,", "");
        return Case.of("without " + key, text, Expect.EITHER);
    }

    private Case duplicateKey(Random r) {
        List<String> keys = new ArrayList<>(INTS);
        keys.remove("original_max_position_embeddings"); // nested: a top-level copy is another key, not a duplicate
        keys.addAll(BOOLS);
        keys.add("torch_dtype");
        String key = pick(keys, r);
        Matcher m = Pattern.compile("\"" + key + "\": [^,\\n]+").matcher(VALID);
        assertTrue(m.find(), key);
        String line = m.group();
        return Case.of("duplicate " + line, VALID.replace("\"model_type\"", line + ", \"model_type\""), Expect.FAIL);
    }

    private Case trailing(Random r) {
        String tail = pick(List.of("{}", "x", "}", ",", "[]", "\"a\"", "1", "{\"vocab_size\": 97}", "null"), r);
        return Case.of("trailing " + tail, VALID + tail, Expect.FAIL);
    }

    private Case badUtf8(Random r) {
        byte[][] bad = {{(byte) 0xff}, {(byte) 0xc3, 0x28}, {(byte) 0xc0, (byte) 0xaf}, {(byte) 0xed, (byte) 0xa0,
            (byte) 0x80}, {(byte) 0xe9}};
        byte[] b = bad[r.nextInt(bad.length)];
        byte[] text = VALID.getBytes(StandardCharsets.UTF_8);
        String anchor = pick(List.of("\"silu\"", "\"llama\"", "\"float32\"", "\"llama3\""), r);
        int at = VALID.indexOf(anchor) + 1 + r.nextInt(anchor.length() - 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(text, 0, at);
        out.write(b, 0, b.length);
        out.write(text, at, text.length - at);
        return new Case("bad UTF-8 in " + anchor, out.toByteArray(), Expect.FAIL);
    }

    private Case truncated(Random r) {
        return Case.of("truncated", VALID.substring(0, r.nextInt(VALID.lastIndexOf('}'))), Expect.FAIL);
    }

    private Case reformatted(Random r) {
        String[] lines = VALID.strip().split("\n");
        List<String> top = new ArrayList<>();
        StringBuilder block = new StringBuilder();
        for (int i = 1; i < lines.length - 1; i++) {
            String l = lines[i].strip();
            if (block.length() > 0 || l.startsWith("\"rope_scaling\"")) {
                block.append(l);
                if (l.startsWith("}")) {
                    top.add(block.toString().replaceAll(",$", ""));
                    block.setLength(0);
                }
            } else {
                top.add(l.replaceAll(",$", ""));
            }
        }
        Collections.shuffle(top, r);
        String sep = pick(List.of(",", ", ", ",\n", "\t,\r\n "), r);
        return Case.of("reordered and reformatted", "{" + String.join(sep, top) + "}", Expect.SAME);
    }

    private Case bookkeeping(Random r) {
        String kv = pick(List.of("\"use_cache\": true", "\"attention_dropout\": 0.0", "\"initializer_range\": 0.02",
                "\"architectures\": [\"LlamaForCausalLM\"]", "\"transformers_version\": \"4.51.0\""), r);
        return Case.of("with " + kv, VALID.replace("\"model_type\"", kv + ", \"model_type\""), Expect.SAME);
    }

    private Case randomBytes(Random r) {
        byte[] text = VALID.getBytes(StandardCharsets.UTF_8);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            text[r.nextInt(text.length)] = (byte) r.nextInt(256);
        }
        return new Case(n + " random byte(s)", text, Expect.EITHER);
    }
}
