package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.io.Checkpoint;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.SafetensorsException;
import dev.semgrpo.model.io.SafetensorsFile;
import dev.semgrpo.model.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static float[] values(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * 3;
        }
        return v;
    }

    @Test
    void roundTripF32F16Bf16() throws IOException {
        float[] v = values(60, 1);
        float[] bf16Exact = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            bf16Exact[i] = DType.bf16ToFloat(DType.floatToBf16(v[i]));
        }
        Path f = dir.resolve("t.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(v, new Shape(3, 4, 5));
            NDArray b = m.create(bf16Exact, new Shape(60));
            SafetensorsWriter.write(f, List.of(new SafetensorsWriter.Entry("f32", a, DType.F32),
                    new SafetensorsWriter.Entry("f16", a, DType.F16), new SafetensorsWriter.Entry("bf16", b, DType.BF16),
                    new SafetensorsWriter.Entry("ids", m.create(new long[] {7, -3}), DType.I64)), null);
            byte[] bytes = Files.readAllBytes(f);
            long headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, headerLen % 8, "header is padded to 8 bytes");
            assertTrue(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8).contains("\"format\":\"pt\""));
            try (SafetensorsFile sf = SafetensorsFile.open(f)) {
                assertEquals("pt", sf.metadata().get("format"));
                assertArrayEquals(v, sf.floats("f32"));
                assertArrayEquals(new long[] {3, 4, 5}, sf.info("f32").shape());
                assertArrayEquals(bf16Exact, sf.floats("bf16"), "bf16 values round-trip exactly");
                float[] half = sf.floats("f16");
                for (int i = 0; i < v.length; i++) {
                    assertEquals(v[i], half[i], Math.abs(v[i]) * 1e-3 + 1e-4);
                }
                NDArray loaded = sf.load(m, "bf16", DataType.FLOAT32);
                assertArrayEquals(bf16Exact, loaded.toFloatArray());
                assertEquals(DataType.FLOAT16, sf.load(m, "f32", DataType.FLOAT16).getDataType());
                assertArrayEquals(new long[] {7, -3}, sf.load(m, "ids", null).toLongArray());
            }
        }
    }

    @Test
    void halfConversionsRoundToNearestEven() {
        assertEquals(1.0f, DType.f16ToFloat(DType.floatToF16(1.0f)));
        assertEquals(65504f, DType.f16ToFloat(DType.floatToF16(65504f)));
        assertEquals(Float.POSITIVE_INFINITY, DType.f16ToFloat(DType.floatToF16(1e6f)));
        assertEquals(5.9604645e-8f, DType.f16ToFloat(DType.floatToF16(5.9604645e-8f)));
        assertEquals((short) 0x3f80, DType.floatToBf16(1.0f));
        assertEquals((short) 0x3f80, DType.floatToBf16(Float.intBitsToFloat(0x3f808000))); // tie to even
        assertEquals((short) 0x3f82, DType.floatToBf16(Float.intBitsToFloat(0x3f818000))); // tie to even (up)
    }

    @Test
    void shardedCheckpointReadsThroughTheIndex() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            List<SafetensorsWriter.Entry> entries = List.of(
                    new SafetensorsWriter.Entry("a", m.create(values(100, 2)), DType.F32),
                    new SafetensorsWriter.Entry("b", m.create(values(100, 3)), DType.F32),
                    new SafetensorsWriter.Entry("c", m.create(values(10, 4)), DType.BF16));
            SafetensorsWriter.writeCheckpoint(dir, entries, 500);
            assertTrue(Files.exists(dir.resolve(Checkpoint.INDEX)));
            assertTrue(Files.exists(dir.resolve("model-00002-of-00002.safetensors")));
            try (Checkpoint ck = Checkpoint.open(dir)) {
                assertEquals(java.util.Set.of("a", "b", "c"), ck.names());
                assertArrayEquals(values(100, 3), ck.floats("b"));
            }
            // an index naming a shard that lacks the tensor is rejected by name
            Files.writeString(dir.resolve(Checkpoint.INDEX),
                    "{\"weight_map\": {\"a\": \"model-00002-of-00002.safetensors\", \"b\":"
                            + " \"model-00002-of-00002.safetensors\", \"c\": \"model-00002-of-00002.safetensors\"}}");
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir));
            assertTrue(e.getMessage().contains("'a'"), e.getMessage());
        }
    }

    private Path craft(String name, String header, int dataBytes, long headerLenOverride) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLenOverride >= 0 ? headerLenOverride : h.length);
        b.put(h);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private void rejected(Path p, String... fragments) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains(p.toString()), "names the file: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        }
    }

    @Test
    void malformedFilesAreRejectedWithTheProblem() throws IOException {
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, new byte[] {1, 2, 3});
        rejected(truncated, "truncated");

        rejected(craft("hlen.safetensors", "{}", 0, 4096), "header length 4096", "past the end");
        rejected(craft("huge.safetensors", "{}", 0, Long.MAX_VALUE / 2), "exceeds the limit");
        rejected(craft("offsets.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, -1),
                "'w'", "past the end of the data section");
        rejected(craft("overlap.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24, -1),
                "'a'", "'b'", "overlap");
        rejected(craft("dtype.safetensors",
                "{\"w\":{\"dtype\":\"F12\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, -1),
                "'w'", "unknown dtype 'F12'");
        rejected(craft("shape.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 16, -1),
                "'w'", "24 bytes", "span 16 bytes");
        rejected(craft("json.safetensors", "{not json", 0, -1), "not valid JSON");

        // a real file cut short in its data section
        Path good = dir.resolve("good.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            SafetensorsWriter.write(good, List.of(new SafetensorsWriter.Entry("w", m.create(values(64, 5)), DType.F32)),
                    null);
        }
        byte[] all = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 10));
        rejected(cut, "'w'", "truncated");
    }
}
