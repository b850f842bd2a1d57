package dev.semgrpo.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the files back with a reader written from the format's definition, independent of the writer: TFRecord
 * framing checked with a bitwise CRC32C (Castagnoli, reflected polynomial 0x82F63B78, masked as TFRecord masks it)
 * and the Event / Summary / SessionLog protobufs decoded field by field.
 */
class TensorBoardEventsTest {
    @TempDir
    Path dir;

    /** An event as the reader sees it. */
    record Event(double wallTime, long step, String fileVersion, Integer sessionStatus, Map<String, Float> values) {
    }

    @Test
    void scalarsReadBackWithTheirStepsAndAResumePurgesFromItsStep() throws IOException {
        double t0 = 1_790_000_000.25;
        try (TensorBoardEvents w = TensorBoardEvents.open(dir, 0)) {
            Map<String, Double> v = new LinkedHashMap<>();
            v.put("loss", 1.5);
            v.put("rewards/semantic/mean", 0.1);
            w.scalars(1, t0, v);
            w.scalars(2, t0 + 1, Map.of("loss", -3e-8));
        }
        try (TensorBoardEvents w = TensorBoardEvents.open(dir, 2)) {
            w.scalars(2, t0 + 5, Map.of("loss", 0.75));
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        assertEquals(2, files.size(), files.toString());
        assertTrue(files.get(0).getFileName().toString().startsWith("events.out.tfevents."));
        List<Event> first = read(files.get(0));
        List<Event> second = read(files.get(1));

        assertEquals(3, first.size());
        assertEquals("brain.Event:2", first.get(0).fileVersion());
        assertEquals(1, first.get(1).step());
        assertEquals(t0, first.get(1).wallTime(), 0);
        assertEquals(Map.of("loss", 1.5f, "rewards/semantic/mean", 0.1f), first.get(1).values());
        assertEquals(2, first.get(2).step());
        assertEquals(Map.of("loss", (float) -3e-8), first.get(2).values());

        // the resumed file: its version, then SessionLog START at the step written again, then that step
        assertEquals(3, second.size());
        assertEquals("brain.Event:2", second.get(0).fileVersion());
        assertEquals(1, second.get(1).sessionStatus(), "SessionLog.START");
        assertEquals(2, second.get(1).step());
        assertEquals(Map.of("loss", 0.75f), second.get(2).values());
    }

    @Test
    void theChecksumIsTheStandardCrc32c() {
        // CRC-32C of "123456789" is 0xE3069283 (the check value of the Castagnoli CRC)
        assertEquals(0xE3069283, crc32c("123456789".getBytes(StandardCharsets.US_ASCII)));
        byte[] data = "any record".getBytes(StandardCharsets.US_ASCII);
        assertEquals(mask(crc32c(data)), TensorBoardEvents.masked(data));
    }

    private static List<Event> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> out = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] len = new byte[8];
            b.get(len);
            int lenCrc = b.getInt();
            assertEquals(mask(crc32c(len)), lenCrc, "length checksum");
            long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] data = new byte[(int) n];
            b.get(data);
            assertEquals(mask(crc32c(data)), b.getInt(), "data checksum");
            out.add(event(data));
        }
        return out;
    }

    private static Event event(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        double wall = 0;
        long step = 0;
        String version = null;
        Integer status = null;
        Map<String, Float> values = new LinkedHashMap<>();
        while (b.hasRemaining()) {
            long key = varint(b);
            int field = (int) (key >>> 3);
            int type = (int) (key & 7);
            if (field == 1 && type == 1) {
                wall = b.getDouble();
            } else if (field == 2 && type == 0) {
                step = varint(b);
            } else if (field == 3 && type == 2) {
                version = new String(chunk(b), StandardCharsets.UTF_8);
            } else if (field == 5 && type == 2) {
                ByteBuffer summary = ByteBuffer.wrap(chunk(b)).order(ByteOrder.LITTLE_ENDIAN);
                while (summary.hasRemaining()) {
                    assertEquals(1 << 3 | 2, varint(summary), "Summary.value");
                    ByteBuffer value = ByteBuffer.wrap(chunk(summary)).order(ByteOrder.LITTLE_ENDIAN);
                    String tag = null;
                    Float simple = null;
                    while (value.hasRemaining()) {
                        long k = varint(value);
                        if (k == (1 << 3 | 2)) {
                            tag = new String(chunk(value), StandardCharsets.UTF_8);
                        } else if (k == (2 << 3 | 5)) {
                            simple = value.getFloat();
                        } else {
                            throw new AssertionError("unexpected Summary.Value field key " + k);
                        }
                    }
                    values.put(tag, simple);
                }
            } else if (field == 7 && type == 2) {
                ByteBuffer log = ByteBuffer.wrap(chunk(b)).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(1 << 3, varint(log), "SessionLog.status");
                status = (int) varint(log);
            } else {
                throw new AssertionError("unexpected Event field " + field + " of wire type " + type);
            }
        }
        return new Event(wall, step, version, status, values);
    }

    private static byte[] chunk(ByteBuffer b) {
        byte[] out = new byte[(int) varint(b)];
        b.get(out);
        return out;
    }

    private static long varint(ByteBuffer b) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b.get() & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
    }

    private static int crc32c(byte[] data) {
        int crc = 0xFFFFFFFF;
        for (byte d : data) {
            crc ^= d & 0xFF;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return ~crc;
    }

    private static int mask(int crc) {
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }
}
