package dev.semgrpo.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes safetensors files that transformers and the reference {@code safetensors} library load: a little-endian
 * header length, a JSON header with {@code __metadata__ {"format": "pt"}} padded with spaces to a multiple of 8
 * bytes, then the tensors back to back. Files are written to a temporary name and moved into place (removed when the
 * write fails, and the error names the file); the metadata keys are sorted, so equal inputs give equal bytes.
 */
public final class SafetensorsWriter {
    /** Shard size transformers uses by default for {@code save_pretrained}. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {
    }

    /** A tensor to write: its values come from an NDArray and are stored as {@code dtype}. */
    public record Entry(String name, NDArray array, DType dtype) {
        long byteSize() {
            return Math.multiplyExact(array.getShape().size(), dtype.bytes());
        }
    }

    /** Writes one file. Supported stored dtypes: F32, F16, BF16 (from float arrays), and integer types as they are. */
    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        meta.put("format", "pt");
        if (metadata != null) {
            new TreeMap<>(metadata).forEach(meta::put); // sorted: the same metadata always gives the same bytes
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.array().getShape().getShape()) {
                shape.add(d);
            }
            long size = e.byteSize();
            t.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        ByteBuffer head = headerBlock(JSON.writeValueAsBytes(header));
        AtomicFiles.write(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (Entry e : entries) {
                    writeFully(ch, encode(e));
                }
            }
        });
    }

    /**
     * The bytes before a file's data section: the header length (little-endian u64) and the header JSON padded with
     * spaces to a multiple of 8, ready to write.
     */
    public static ByteBuffer headerBlock(byte[] json) {
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded);
        head.put(json);
        while (head.position() < head.capacity()) {
            head.put((byte) ' ');
        }
        return head.flip();
    }

    /**
     * Writes {@code model.safetensors}, or shards {@code model-0000i-of-0000n.safetensors} plus
     * {@code model.safetensors.index.json} when the total passes {@code maxShardBytes}.
     */
    public static void writeCheckpoint(Path dir, List<Entry> entries, long maxShardBytes) throws IOException {
        long total = 0;
        for (Entry e : entries) {
            total += e.byteSize();
        }
        if (total <= maxShardBytes) {
            write(dir.resolve(Checkpoint.SINGLE), entries, null);
            Files.deleteIfExists(dir.resolve(Checkpoint.INDEX));
            return;
        }
        List<List<Entry>> shards = new ArrayList<>();
        List<Entry> cur = new ArrayList<>();
        long curBytes = 0;
        for (Entry e : entries) {
            if (!cur.isEmpty() && curBytes + e.byteSize() > maxShardBytes) {
                shards.add(cur);
                cur = new ArrayList<>();
                curBytes = 0;
            }
            cur.add(e);
            curBytes += e.byteSize();
        }
        shards.add(cur);
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        Map<String, String> sorted = new LinkedHashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            write(dir.resolve(name), shards.get(i), null);
            for (Entry e : shards.get(i)) {
                sorted.put(e.name(), name);
            }
        }
        sorted.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> map.put(e.getKey(), e.getValue()));
        AtomicFiles.write(dir.resolve(Checkpoint.INDEX),
                tmp -> JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), index));
        Files.deleteIfExists(dir.resolve(Checkpoint.SINGLE));
    }

    private static ByteBuffer encode(Entry e) throws IOException {
        NDArray a = e.array();
        DataType src = a.getDataType();
        DType dst = e.dtype();
        if (dst.djl() != null && dst.djl() == src) {
            return a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        if (dst == DType.BF16 || dst == DType.F16 || dst == DType.F32) {
            float[] v = src == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray();
            ByteBuffer out = ByteBuffer.allocate(v.length * dst.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v) {
                switch (dst) {
                    case BF16 -> out.putShort(DType.floatToBf16(f));
                    case F16 -> out.putShort(DType.floatToF16(f));
                    default -> out.putFloat(f);
                }
            }
            return out.flip();
        }
        throw new IOException("tensor '" + e.name() + "': cannot store " + src + " as " + dst);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
