package dev.semgrpo.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code .safetensors} file, memory-mapped tensor by tensor. The header is validated when the file is opened, at
 * least as strictly as the format's reference reader: header length within the limit and the file, valid UTF-8 JSON
 * starting with '{' and followed only by space padding, known dtypes, offsets and shapes as exact non-negative
 * integers (no wrapping past 2^63), bytes equal to shape x dtype, and the data section covered exactly by the
 * tensors (no gaps, overlaps or trailing bytes). Stricter where silence could change results: duplicate keys,
 * unknown entry keys and non-string {@code __metadata__} values are rejected. Every error names the file and, where
 * there is one, the tensor.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header accepted (the reference implementation uses 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final String METADATA = "__metadata__";
    private static final List<String> ENTRY_KEYS = List.of("dtype", "shape", "data_offsets");
    /** Strict header JSON: duplicate keys rejected, strings as long as the header itself may be. */
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) MAX_HEADER_BYTES).build())
                    .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new SafetensorsException(path + ": no such file");
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return parse(path, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new SafetensorsException(path + ": file is " + size
                    + " bytes, shorter than the 8-byte header length; the file is truncated or not safetensors");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.getLong(0);
        if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
            throw new SafetensorsException(path + ": header length " + Long.toUnsignedString(headerLen)
                    + " bytes exceeds the limit of " + MAX_HEADER_BYTES
                    + " bytes; the file is corrupt or not safetensors");
        }
        if (8 + headerLen > size) {
            throw new SafetensorsException(path + ": header length " + headerLen
                    + " bytes points past the end of the file (" + size + " bytes); the file is truncated");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, 8);
        JsonNode header = header(path, hb.array());
        long dataSize = size - 8 - headerLen;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(METADATA)) {
                metadata(path, e.getValue(), metadata);
                continue;
            }
            tensors.put(e.getKey(), entry(path, e.getKey(), e.getValue(), dataSize));
        }
        checkCoverage(path, tensors.values(), dataSize);
        return new SafetensorsFile(path, ch, 8 + headerLen, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    /**
     * The header as a JSON object, read as strictly as the reference reader and more: valid UTF-8, '{' first, no
     * duplicate keys, and nothing after the object but the space padding writers add.
     */
    private static JsonNode header(Path path, byte[] bytes) throws SafetensorsException {
        int invalid = Utf8.firstInvalid(bytes);
        if (invalid >= 0) {
            throw new SafetensorsException(path + ": header " + Utf8.describeByte(bytes, invalid)
                    + " is not valid UTF-8; the file is corrupt");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw new SafetensorsException(path + ": header must start with '{', found "
                    + (text.isEmpty() ? "an empty header" : quoted(text.substring(0, Math.min(16, text.length()))))
                    + "; the header length is wrong or the file is not safetensors");
        }
        JsonNode header;
        int end;
        try (JsonParser parser = JSON.createParser(text)) {
            header = JSON.readTree(parser);
            end = (int) parser.currentLocation().getCharOffset();
        } catch (IOException e) {
            String at = e instanceof JsonProcessingException j && j.getLocation() != null
                    ? " at character " + j.getLocation().getCharOffset() : "";
            String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new SafetensorsException(path + ": header is not valid JSON" + at + " (" + msg.split("\n")[0]
                    + "); the file is corrupt or its header length is wrong");
        }
        if (header == null || !header.isObject()) {
            throw new SafetensorsException(path + ": header must be a JSON object, found "
                    + (header == null ? "nothing" : header.getNodeType()));
        }
        for (int i = end; i < text.length(); i++) {
            if (text.charAt(i) != ' ') {
                throw new SafetensorsException(path + ": header has " + quoted(text.substring(i,
                        Math.min(text.length(), i + 16))) + " at character " + i + " after its JSON object; only"
                        + " spaces may pad it: the header length is wrong or the file is corrupt");
            }
        }
        return header;
    }

    private static String quoted(String s) {
        StringBuilder sb = new StringBuilder("'");
        s.codePoints().forEach(c -> sb.append(c >= 0x20 && c < 0x7f ? Character.toString(c)
                : String.format(Locale.ROOT, "\\u%04x", c)));
        return sb.append('\'').toString();
    }

    private static void metadata(Path path, JsonNode node, Map<String, String> out) throws SafetensorsException {
        if (node.isNull()) {
            return; // as in the reference reader: no metadata
        }
        if (!node.isObject()) {
            throw new SafetensorsException(path + ": " + METADATA + " must be an object of strings, found "
                    + node.getNodeType());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new SafetensorsException(path + ": " + METADATA + "." + m.getKey() + " must be a string, found "
                        + m.getValue().getNodeType() + "; the header is corrupt");
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static TensorInfo entry(Path path, String name, JsonNode e, long dataSize) throws SafetensorsException {
        String where = path + ": tensor '" + name + "'";
        if (!e.isObject()) {
            throw new SafetensorsException(where + " entry must be an object with dtype, shape, data_offsets");
        }
        for (Iterator<String> keys = e.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!ENTRY_KEYS.contains(key)) {
                throw new SafetensorsException(where + " has unknown key '" + key + "'; an entry holds only "
                        + ENTRY_KEYS);
            }
        }
        JsonNode dt = e.get("dtype");
        DType dtype = dt != null && dt.isTextual() ? DType.parse(dt.textValue()) : null;
        if (dtype == null) {
            throw new SafetensorsException(where + " has unknown dtype " + (dt == null ? "(none)" : dt.toString()
                    .replace('"', '\'')) + "; known: " + DType.known());
        }
        JsonNode sh = e.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new SafetensorsException(where + " has no shape array");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = count(sh.get(i), where + " has invalid dimension " + sh.get(i) + " in shape " + sh);
        }
        JsonNode off = e.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw new SafetensorsException(where + " needs data_offsets [begin, end], found " + off);
        }
        String offsets = where + " has data_offsets " + off;
        long begin = count(off.get(0), offsets + ": begin must be an integer in [0, 2^63)");
        long end = count(off.get(1), offsets + ": end must be an integer in [0, 2^63)");
        if (end < begin) {
            throw new SafetensorsException(offsets + " with end before begin");
        }
        if (end > dataSize) {
            throw new SafetensorsException(offsets + " past the end of the data section (" + dataSize + " bytes); the"
                    + " file is truncated or the header is corrupt");
        }
        long expected;
        try {
            expected = Math.multiplyExact(TensorInfo.numel(shape), dtype.bytes());
        } catch (ArithmeticException ex) {
            throw new SafetensorsException(where + " shape " + sh + " of " + dtype + " overflows 2^63 bytes");
        }
        if (expected != end - begin) {
            throw new SafetensorsException(where + " has shape " + sh + " of " + dtype + " = " + expected
                    + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin) + " bytes");
        }
        return new TensorInfo(name, dtype, shape, begin, end, path);
    }

    /** A non-negative JSON integer that fits a long, exactly (no rounding of floats, no wrapping of big values). */
    private static long count(JsonNode n, String error) throws SafetensorsException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new SafetensorsException(error);
        }
        return n.longValue();
    }

    /**
     * The tensors, in offset order, must cover the data section exactly: the first starts at 0, each starts where the
     * previous one ends, and the last ends at the end of the file (no gaps, no overlaps, no trailing bytes).
     */
    private static void checkCoverage(Path path, Iterable<TensorInfo> infos, long dataSize)
            throws SafetensorsException {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < covered) {
                throw new SafetensorsException(path + ": tensors '" + previous.name() + "' [" + previous.begin() + ", "
                        + previous.end() + ") and '" + t.name() + "' [" + t.begin() + ", " + t.end()
                        + ") overlap; the file is corrupt");
            }
            if (t.begin() > covered) {
                throw new SafetensorsException(path + ": data bytes [" + covered + ", " + t.begin()
                        + ") before tensor '" + t.name() + "' belong to no tensor; the data section must be covered"
                        + " exactly, the header is corrupt");
            }
            covered = t.end();
            previous = t;
        }
        if (covered != dataSize) {
            throw new SafetensorsException(path + ": " + (dataSize - covered) + " data bytes after the last tensor"
                    + " (data section " + dataSize + " bytes, tensors end at " + covered + "); the header length is"
                    + " wrong or the file has trailing content");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new SafetensorsException("unexpected end of file");
            }
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) throws SafetensorsException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsException(path + ": no tensor '" + name + "'");
        }
        return t;
    }

    /** The tensor's bytes, memory-mapped, little-endian. */
    public ByteBuffer bytes(String name) throws IOException {
        TensorInfo t = info(name);
        if (t.byteSize() > Integer.MAX_VALUE) {
            throw new SafetensorsException(path + ": tensor '" + name + "' is " + t.byteSize()
                    + " bytes; tensors over 2 GiB cannot be mapped, re-shard the checkpoint");
        }
        if (t.byteSize() == 0) {
            return ByteBuffer.allocateDirect(0);
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteSize())
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The tensor as floats (F32, F16, BF16, F64), row-major. */
    public float[] floats(String name) throws IOException {
        TensorInfo t = info(name);
        ByteBuffer b = bytes(name);
        int n = Math.toIntExact(t.numel());
        float[] out = new float[n];
        switch (t.dtype()) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(8 * i);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = DType.f16ToFloat(b.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = DType.bf16ToFloat(b.getShort(2 * i));
                }
            }
            default -> throw new SafetensorsException(path + ": tensor '" + name + "' has dtype " + t.dtype()
                    + ", not a float type");
        }
        return out;
    }

    /**
     * Loads a tensor onto {@code manager}'s device as {@code target}. BF16 is widened to FP32 in Java first (DJL
     * aborts on BF16 arrays). The returned array owns its memory; the mapping is not retained.
     */
    public NDArray load(NDManager manager, String name, DataType target) throws IOException {
        TensorInfo t = info(name);
        Shape shape = new Shape(t.shape());
        NDArray raw;
        if (t.dtype() == DType.BF16) {
            ByteBuffer b = bytes(name);
            int n = Math.toIntExact(t.numel());
            ByteBuffer direct = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
            FloatBuffer fb = direct.asFloatBuffer();
            for (int i = 0; i < n; i++) {
                fb.put(i, DType.bf16ToFloat(b.getShort(2 * i)));
            }
            raw = manager.create(direct, shape, DataType.FLOAT32);
        } else if (t.dtype().djl() != null) {
            ByteBuffer b = bytes(name);
            ByteBuffer direct = ByteBuffer.allocateDirect(b.remaining()).order(ByteOrder.nativeOrder());
            direct.put(b).flip();
            raw = manager.create(direct, shape, t.dtype().djl());
        } else {
            throw new SafetensorsException(path + ": tensor '" + name + "' has dtype " + t.dtype()
                    + ", which semgrpo cannot load; convert the checkpoint to F32, F16 or BF16");
        }
        if (raw.getDataType() == target || target == null) {
            return raw;
        }
        NDArray cast = raw.toType(target, false);
        raw.close();
        return cast;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
