package dev.semgrpo.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Map;

/**
 * One {@code .safetensors} file, memory-mapped tensor by tensor. The header is validated when the file is opened:
 * header size limit, JSON shape, known dtypes, offsets inside the data section, bytes equal to shape x dtype, and no
 * two tensors overlapping. Every error names the file and the tensor.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header accepted (the reference implementation uses 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

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
                    + " bytes exceeds the limit of " + MAX_HEADER_BYTES + " bytes; the file is corrupt or not safetensors");
        }
        if (8 + headerLen > size) {
            throw new SafetensorsException(path + ": header length " + headerLen + " bytes points past the end of the file ("
                    + size + " bytes); the file is truncated");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, 8);
        JsonNode header;
        try {
            header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SafetensorsException(path + ": header is not valid JSON (" + e.getMessage() + ")");
        }
        if (header == null || !header.isObject()) {
            throw new SafetensorsException(path + ": header must be a JSON object, found "
                    + (header == null ? "nothing" : header.getNodeType()));
        }
        long dataSize = size - 8 - headerLen;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                if (!e.getValue().isObject()) {
                    throw new SafetensorsException(path + ": __metadata__ must be an object of strings");
                }
                e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(e.getKey(), entry(path, e.getKey(), e.getValue(), dataSize));
        }
        checkOverlaps(path, tensors.values());
        return new SafetensorsFile(path, ch, 8 + headerLen, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo entry(Path path, String name, JsonNode e, long dataSize) throws SafetensorsException {
        String where = path + ": tensor '" + name + "'";
        if (!e.isObject()) {
            throw new SafetensorsException(where + " entry must be an object with dtype, shape, data_offsets");
        }
        String dtName = e.path("dtype").asText(null);
        DType dtype = dtName == null ? null : DType.parse(dtName);
        if (dtype == null) {
            throw new SafetensorsException(where + " has unknown dtype '" + dtName + "'; known: " + DType.known());
        }
        JsonNode sh = e.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new SafetensorsException(where + " has no shape array");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!sh.get(i).isIntegralNumber() || sh.get(i).asLong() < 0) {
                throw new SafetensorsException(where + " has invalid dimension " + sh.get(i) + " in shape " + sh);
            }
            shape[i] = sh.get(i).asLong();
        }
        JsonNode off = e.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber()) {
            throw new SafetensorsException(where + " needs data_offsets [begin, end], found " + off);
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new SafetensorsException(where + " has data_offsets [" + begin + ", " + end
                    + "] with end before begin");
        }
        if (end > dataSize) {
            throw new SafetensorsException(where + " has data_offsets [" + begin + ", " + end
                    + "] past the end of the data section (" + dataSize + " bytes); the file is truncated or the header"
                    + " is corrupt");
        }
        long expected;
        try {
            expected = Math.multiplyExact(TensorInfo.numel(shape), dtype.bytes());
        } catch (ArithmeticException ex) {
            throw new SafetensorsException(where + " shape " + sh + " overflows");
        }
        if (expected != end - begin) {
            throw new SafetensorsException(where + " has shape " + sh + " of " + dtype + " = " + expected
                    + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin) + " bytes");
        }
        return new TensorInfo(name, dtype, shape, begin, end, path);
    }

    private static void checkOverlaps(Path path, Iterable<TensorInfo> infos) throws SafetensorsException {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1);
            TensorInfo b = sorted.get(i);
            if (b.begin() < a.end() && b.byteSize() > 0 && a.byteSize() > 0) {
                throw new SafetensorsException(path + ": tensors '" + a.name() + "' [" + a.begin() + ", " + a.end()
                        + ") and '" + b.name() + "' [" + b.begin() + ", " + b.end() + ") overlap; the file is corrupt");
            }
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
