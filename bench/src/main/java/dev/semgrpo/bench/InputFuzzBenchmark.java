package dev.semgrpo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.cli.Main;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * How the real {@code semgrpo logprobs} command treats corrupt model files (not a test): a tiny random model is made
 * with {@code init-model}, then seeded mutations of its {@code model.safetensors} and its {@code config.json} are each
 * scored in this JVM through {@link Main#run}, and every case is classified as
 * <ul>
 *   <li>clean error: exit 1, an {@code error:} message naming the mutated file (or its model directory, for weight
 *       problems that concern several tensors), no stack trace;</li>
 *   <li>accepted, same output: exit 0 and the same scores as the unmutated model;</li>
 *   <li>accepted, CHANGED output: exit 0 and different scores (the case to drive to zero);</li>
 *   <li>unclear error or crash: any other exit code, a message naming neither, a stack trace, or an exception that
 *       escapes the command.</li>
 * </ul>
 * Flipped bytes inside the data section are counted apart: the format has no checksum, so they load and change the
 * scores by design. Arguments: [safetensors cases] [config cases] [seed] [work dir].
 */
public final class InputFuzzBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> OUTCOMES = List.of("clean error", "accepted, same output",
            "accepted, CHANGED output", "unclear error", "crash");
    private static final List<String> HUGE = List.of("9223372036854775807", "9223372036854775808",
            "18446744073709551615", "18446744073709551616", "100000000000000000000000000000", "-1", "1.5", "\"8\"");

    private final Path work;
    private final Path model;
    private final Path data;
    private final byte[] baseline;
    private final Map<String, Map<String, int[]>> table = new TreeMap<>();
    private final List<String> notable = new ArrayList<>();

    /** A mutated copy of one model file; {@code file} is "model.safetensors" or "config.json". */
    record Case(String kind, String file, byte[] bytes) {
        /** A mutated {@code model.safetensors}. */
        Case(String kind, byte[] bytes) {
            this(kind, "model.safetensors", bytes);
        }
    }

    private InputFuzzBenchmark(Path work) throws IOException {
        this.work = work;
        Path tok = work.resolve("tok");
        ByteLevelTokenizer.write(tok);
        model = work.resolve("model");
        int code = Main.run("init-model", "--arch", "llama", "--hidden", "32", "--layers", "2", "--heads", "4",
                "--kv-heads", "2", "--vocab-from", tok.resolve("tokenizer.json").toString(), "--seed", "1",
                "--init-std", "0.2", "--out", model.toString());
        if (code != 0) {
            throw new IllegalStateException("init-model failed with exit code " + code);
        }
        data = work.resolve("pairs.jsonl");
        Files.writeString(data, "{\"prompt\": \"The cat\", \"completion\": \" sat on the mat.\"}\n"
                + "{\"prompt\": \"Numbers:\", \"completion\": \" 1 2 3 4\"}\n");
        Run base = score(model, work.resolve("baseline.jsonl"));
        if (base.code() != 0) {
            throw new IllegalStateException("the unmutated model does not score: " + base.err());
        }
        baseline = Files.readAllBytes(work.resolve("baseline.jsonl"));
    }

    public static void main(String[] args) throws IOException {
        int stCases = args.length > 0 ? Integer.parseInt(args[0]) : 340;
        int cfgCases = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 11;
        Path work = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("semgrpo-input-fuzz");
        InputFuzzBenchmark bench = new InputFuzzBenchmark(work);
        Random rng = new Random(seed);
        byte[] weights = Files.readAllBytes(bench.model.resolve("model.safetensors"));
        byte[] config = Files.readAllBytes(bench.model.resolve("config.json"));
        for (int i = 0; i < stCases; i++) {
            bench.run("safetensors", i, SafetensorsMutations.next(rng, weights));
        }
        for (int i = 0; i < cfgCases; i++) {
            bench.run("config.json", i, ConfigMutations.next(rng, config));
        }
        bench.report(stCases, cfgCases, seed);
    }

    /** An exit code with what the command printed on stderr, or the throwable that escaped it. */
    record Run(int code, String err, Throwable escaped) {
    }

    private Run score(Path modelDir, Path out) {
        PrintStream oldErr = System.err;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            return new Run(Main.run("logprobs", "--model", modelDir.toString(), "--data", data.toString(), "--out",
                    out.toString()), err.toString(StandardCharsets.UTF_8), null);
        } catch (Throwable t) { // what escapes the command is the finding, whatever it is
            return new Run(-1, err.toString(StandardCharsets.UTF_8), t);
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
    }

    private void run(String group, int index, Case c) throws IOException {
        Path dir = work.resolve(group + "-" + index);
        copyModel(dir);
        Path file = dir.resolve(c.file());
        Files.write(file, c.bytes());
        Path out = dir.resolve("scores.jsonl");
        Run r = score(dir, out);
        String outcome = classify(r, file, dir, out);
        String row = group + ": " + c.kind();
        table.computeIfAbsent(row, k -> new LinkedHashMap<>()).computeIfAbsent(outcome, k -> new int[1])[0]++;
        if (!outcome.startsWith("clean") && !outcome.equals("accepted, same output")) {
            String detail = r.escaped() != null ? r.escaped().toString()
                    : r.code() == 0 ? "scores differ from the unmutated model's" : firstErrorLine(r.err());
            notable.add(String.format(Locale.ROOT, "%s #%d (%s): %s: %s", group, index, c.kind(), outcome,
                    detail.length() > 300 ? detail.substring(0, 300) + "..." : detail));
        }
        deleteTree(dir);
    }

    private String classify(Run r, Path file, Path dir, Path out) throws IOException {
        if (r.escaped() != null || r.err().contains("\tat ") || r.err().contains("Exception in thread")) {
            return "crash";
        }
        if (r.code() == 0) {
            return Arrays.equals(baseline, Files.readAllBytes(out)) ? "accepted, same output"
                    : "accepted, CHANGED output";
        }
        String error = firstErrorLine(r.err());
        boolean named = error.startsWith("error: ") && (error.contains(file.toString()) || error.contains(dir + ":"));
        return r.code() == 1 && named ? "clean error" : "unclear error";
    }

    private static String firstErrorLine(String err) {
        return err.lines().filter(l -> l.startsWith("error: ")).findFirst().orElse(err.strip());
    }

    private void copyModel(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private void report(int stCases, int cfgCases, long seed) {
        System.out.printf(Locale.ROOT, "semgrpo logprobs on mutated inputs: %d safetensors and %d config.json cases,"
                + " seed %d%n%n", stCases, cfgCases, seed);
        Map<String, int[]> totals = new TreeMap<>();
        String header = String.format(Locale.ROOT, "%-58s %6s %6s %6s %6s %6s %6s", "mutation", "cases", "clean",
                "same", "CHANGED", "unclear", "crash");
        System.out.println(header);
        for (Map.Entry<String, Map<String, int[]>> row : table.entrySet()) {
            int[] counts = new int[OUTCOMES.size()];
            for (int k = 0; k < OUTCOMES.size(); k++) {
                int[] n = row.getValue().get(OUTCOMES.get(k));
                counts[k] = n == null ? 0 : n[0];
            }
            String group = row.getKey().startsWith("safetensors: data") ? "safetensors, data bytes (no checksum)"
                    : row.getKey().substring(0, row.getKey().indexOf(':'));
            int[] total = totals.computeIfAbsent(group, g -> new int[OUTCOMES.size()]);
            for (int k = 0; k < counts.length; k++) {
                total[k] += counts[k];
            }
            System.out.println(line(row.getKey(), counts));
        }
        System.out.println();
        System.out.println(header.replace("mutation", "total   "));
        totals.forEach((g, counts) -> System.out.println(line(g, counts)));
        if (!notable.isEmpty()) {
            System.out.println();
            System.out.println("cases that were not a clean error or the same output:");
            notable.forEach(n -> System.out.println("  " + n));
        }
    }

    private static String line(String name, int[] counts) {
        return String.format(Locale.ROOT, "%-58s %6d %6d %6d %6d %6d %6d", name, Arrays.stream(counts).sum(),
                counts[0], counts[1], counts[2], counts[3], counts[4]);
    }

    /** Seeded mutations of a real safetensors file, at the byte level and through its parsed header. */
    static final class SafetensorsMutations {
        private SafetensorsMutations() {
        }

        static Case next(Random r, byte[] file) {
            long headerLen = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            byte[] headerBytes = Arrays.copyOfRange(file, 8, 8 + (int) headerLen);
            byte[] dataBytes = Arrays.copyOfRange(file, 8 + (int) headerLen, file.length);
            ObjectNode header = parse(headerBytes);
            List<String> names = new ArrayList<>();
            header.fieldNames().forEachRemaining(n -> {
                if (!n.equals("__metadata__")) {
                    names.add(n);
                }
            });
            String name = names.get(r.nextInt(names.size()));
            ObjectNode entry = (ObjectNode) header.get(name);
            return switch (r.nextInt(17)) {
                case 0 -> {
                    int delta = (1 + r.nextInt(4)) * (r.nextBoolean() ? 1 : -1);
                    yield new Case("header length " + (delta > 0 ? "+" : "-") + "1..4", withLength(file,
                            headerLen + delta));
                }
                case 1 -> new Case("header length huge", withLength(file, new long[] {Long.MAX_VALUE, -1,
                    1L << 40, file.length}[r.nextInt(4)]));
                case 2 -> {
                    byte[] out = file.clone();
                    out[8 + r.nextInt((int) headerLen)] = (byte) r.nextInt(256);
                    yield new Case("header byte replaced", out);
                }
                case 3 -> {
                    byte[] out = file.clone();
                    int at = 8 + (int) headerLen + r.nextInt(dataBytes.length);
                    out[at] = (byte) (out[at] ^ (1 << r.nextInt(8)));
                    yield new Case("data bit flipped", out);
                }
                case 4 -> new Case("truncated", Arrays.copyOf(file, r.nextInt(file.length)));
                case 5 -> {
                    byte[] extra = new byte[1 + r.nextInt(64)];
                    r.nextBytes(extra);
                    yield new Case("bytes appended", concat(file, extra));
                }
                case 6 -> {
                    ArrayNode off = (ArrayNode) entry.get("data_offsets");
                    int k = r.nextInt(2);
                    String v = r.nextBoolean() ? HUGE.get(r.nextInt(HUGE.size()))
                            : Long.toString(off.get(k).asLong() + (1 + r.nextInt(8)) * (r.nextBoolean() ? 1 : -4));
                    yield rebuilt("data_offsets edited", header, dataBytes, entryPath(name, "data_offsets", k), v);
                }
                case 7 -> {
                    ArrayNode shape = (ArrayNode) entry.get("shape");
                    int k = r.nextInt(shape.size());
                    long dim = shape.get(k).asLong();
                    String v = r.nextBoolean() ? HUGE.get(r.nextInt(HUGE.size()))
                            : Long.toString(r.nextBoolean() ? dim * 2 : dim + (r.nextBoolean() ? 1 : -1));
                    yield rebuilt("shape edited", header, dataBytes, entryPath(name, "shape", k), v);
                }
                case 8 -> {
                    ArrayNode shape = (ArrayNode) entry.get("shape");
                    if (shape.size() == 2 && !shape.get(0).equals(shape.get(1))) {
                        JsonNode a = shape.get(0);
                        shape.set(0, shape.get(1));
                        shape.set(1, a);
                    } else {
                        shape.add(1);
                    }
                    yield new Case("shape permuted or reshaped", SafetensorsMutations.file(text(header), dataBytes));
                }
                case 9 -> {
                    String[] dtypes = {"F16", "BF16", "I32", "F64", "U8", "F12", "f32", ""};
                    entry.put("dtype", dtypes[r.nextInt(dtypes.length)]);
                    yield new Case("dtype changed", SafetensorsMutations.file(text(header), dataBytes));
                }
                case 10 -> {
                    String json = text(header);
                    String dup = "\"" + name + "\":" + entry + ",";
                    yield new Case("duplicate tensor key", SafetensorsMutations.file("{" + dup + json.substring(1),
                            dataBytes));
                }
                case 11 -> {
                    ObjectNode renamed = JSON.createObjectNode();
                    header.fields().forEachRemaining(e -> renamed.set(e.getKey().equals(name) ? name + "x" : e.getKey(),
                            e.getValue()));
                    yield new Case("tensor renamed", SafetensorsMutations.file(text(renamed), dataBytes));
                }
                case 12 -> {
                    header.remove(name);
                    yield new Case("tensor entry removed", SafetensorsMutations.file(text(header), dataBytes));
                }
                case 13 -> {
                    ObjectNode meta = header.has("__metadata__") ? (ObjectNode) header.get("__metadata__")
                            : header.putObject("__metadata__");
                    switch (r.nextInt(3)) {
                        case 0 -> meta.put("format", 5);
                        case 1 -> meta.putArray("format").add("pt");
                        default -> header.put("__metadata__", "pt");
                    }
                    yield new Case("metadata not string-to-string", SafetensorsMutations.file(text(header),
                            dataBytes));
                }
                case 14 -> {
                    byte[][] bad = {{(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                        {(byte) 0xc3}};
                    String json = text(header);
                    int at = json.indexOf("\"" + name + "\"") + 1;
                    byte[] h = json.getBytes(StandardCharsets.UTF_8);
                    byte[] out = concat(concat(Arrays.copyOf(h, at), bad[r.nextInt(bad.length)]),
                            Arrays.copyOfRange(h, at, h.length));
                    yield new Case("invalid UTF-8 in a name", SafetensorsMutations.file(out, dataBytes));
                }
                case 15 -> {
                    String[] tails = {"x", "\n", "\t", "{}", ",", "\u0000"};
                    yield new Case("content after the JSON", SafetensorsMutations.file(text(header)
                            + tails[r.nextInt(tails.length)], dataBytes));
                }
                default -> {
                    List<String> keys = new ArrayList<>();
                    header.fieldNames().forEachRemaining(keys::add);
                    Collections.shuffle(keys, r);
                    ObjectNode shuffled = JSON.createObjectNode();
                    keys.forEach(k -> shuffled.set(k, header.get(k)));
                    yield new Case("neutral: keys reordered, more padding", SafetensorsMutations.file(text(shuffled)
                            + " ".repeat(r.nextInt(64)), dataBytes));
                }
            };
        }

        private static String[] entryPath(String name, String key, int index) {
            return new String[] {name, key, Integer.toString(index)};
        }

        /** The header with the number at {@code path} replaced by the raw JSON text {@code value}. */
        private static Case rebuilt(String kind, ObjectNode header, byte[] data, String[] path, String value) {
            ArrayNode array = (ArrayNode) header.get(path[0]).get(path[1]);
            int index = Integer.parseInt(path[2]);
            String marker = "\"@@value@@\"";
            array.set(index, JSON.getNodeFactory().textNode("@@value@@"));
            return new Case(kind, file(text(header).replace(marker, value), data));
        }

        private static ObjectNode parse(byte[] header) {
            try {
                return (ObjectNode) JSON.readTree(header);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static String text(JsonNode node) {
            return node.toString();
        }

        private static byte[] withLength(byte[] file, long len) {
            byte[] out = file.clone();
            ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
            return out;
        }

        static byte[] file(String header, byte[] data) {
            return file(header.getBytes(StandardCharsets.UTF_8), data);
        }

        static byte[] file(byte[] header, byte[] data) {
            ByteBuffer head = SafetensorsWriter.headerBlock(header);
            return ByteBuffer.allocate(head.remaining() + data.length).put(head).put(data).array();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Seeded mutations of a config.json: ill-typed and out-of-range values, duplicates, trailing content, bytes. */
    static final class ConfigMutations {
        /** Bookkeeping keys of a saved config.json that change nothing semgrpo computes. */
        private static final List<String> IGNORED = List.of("architectures", "torch_dtype", "use_cache",
                "attention_dropout", "initializer_range");
        private static final List<String> BAD = List.of("\"yes\"", "\"2\"", "2.5", "8.0", "1e12", "1000000000000",
                "2147483648", "-1", "0", "true", "[2]", "{}", "1e999", "NaN", "null", "\"llama3\"");

        private ConfigMutations() {
        }

        static Case next(Random r, byte[] config) {
            ObjectNode root;
            try {
                root = (ObjectNode) JSON.readTree(config);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            List<String> keys = new ArrayList<>();
            root.fieldNames().forEachRemaining(keys::add);
            String key = keys.get(r.nextInt(keys.size()));
            String text = root.toPrettyString();
            return switch (r.nextInt(8)) {
                case 0, 1, 2 -> {
                    String v = BAD.get(r.nextInt(BAD.size()));
                    ObjectNode copy = root.deepCopy();
                    copy.put(key, "@@value@@");
                    String what = v.equals("null") ? "null" : "ill-typed or out of range";
                    yield new Case("value replaced: " + what + (IGNORED.contains(key) ? " (key semgrpo ignores)" : ""),
                            "config.json", copy.toPrettyString().replace("\"@@value@@\"", v).getBytes(
                                    StandardCharsets.UTF_8));
                }
                case 3 -> {
                    String dup = "\"" + key + "\" : " + (root.get(key).isIntegralNumber()
                            ? Long.toString(root.get(key).asLong() + 1) : root.get(key).toString()) + ",";
                    yield new Case("duplicate key", "config.json", text.replaceFirst("\\{", "{ " + dup.replace(
                            "$", "\\$")).getBytes(StandardCharsets.UTF_8));
                }
                case 4 -> new Case("content after the object", "config.json", (text + new String[] {"{}", "x", "}",
                    "\n{\"vocab_size\": 1}"}[r.nextInt(4)]).getBytes(StandardCharsets.UTF_8));
                case 5 -> {
                    byte[] b = text.getBytes(StandardCharsets.UTF_8);
                    int at = text.indexOf("\"" + key + "\"") + 1;
                    yield new Case("invalid UTF-8", "config.json", concat(concat(Arrays.copyOf(b, at),
                            new byte[] {(byte) 0xe9}), Arrays.copyOfRange(b, at, b.length)));
                }
                case 6 -> new Case("truncated", "config.json", Arrays.copyOf(text.getBytes(StandardCharsets.UTF_8),
                        r.nextInt(text.length() - 1)));
                default -> {
                    ObjectNode copy = JSON.createObjectNode();
                    List<String> order = new ArrayList<>(keys);
                    Collections.shuffle(order, r);
                    order.forEach(k -> copy.set(k, root.get(k)));
                    copy.put("transformers_version", "4.51.0");
                    yield new Case("neutral: keys reordered, bookkeeping key added", "config.json",
                            copy.toString().getBytes(StandardCharsets.UTF_8));
                }
            };
        }
    }
}
