package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.io.SafetensorsException;
import dev.semgrpo.model.io.SafetensorsFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader's rules one by one, each with the numbers its message must carry. */
class SafetensorsStrictTest {
    private static final byte[] DATA = SafetensorsBytes.validData(3);

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private void rejected(String name, byte[] bytes, String... fragments) throws IOException {
        Path p = write(name, bytes);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString()), "names the file: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        }
    }

    private static String oneTensor(String offsets, String shape) {
        return "{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}}";
    }

    @Test
    void headerLengthOffByAFewBytesIsRejectedNotShifted() throws IOException {
        byte[] good = SafetensorsBytes.file(SafetensorsBytes.validHeader(), DATA);
        long len = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong();
        for (int delta = -4; delta <= 4; delta++) {
            if (delta == 0) {
                continue;
            }
            byte[] bad = good.clone();
            ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len + delta);
            rejected("len" + delta + ".safetensors", bad);
        }
        // shorter: the data section gains the padding's spaces; longer: the header swallows data bytes
        byte[] shorter = good.clone();
        ByteBuffer.wrap(shorter).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len - 2);
        rejected("shorter.safetensors", shorter, "2 data bytes after the last tensor");
    }

    @Test
    void offsetsAndShapesAreExactIntegersThatDoNotWrap() throws IOException {
        byte[] data = new byte[16];
        rejected("2^64.safetensors", SafetensorsBytes.file(oneTensor("[18446744073709551616,18446744073709551632]",
                "[4]"), data), "'w'", "18446744073709551616", "[0, 2^63)");
        rejected("2^63.safetensors", SafetensorsBytes.file(oneTensor("[0,16]", "[9223372036854775808]"), data),
                "'w'", "invalid dimension 9223372036854775808");
        rejected("overflow.safetensors", SafetensorsBytes.file(oneTensor("[0,16]", "[4294967296,4294967296]"), data),
                "'w'", "overflows");
        rejected("float.safetensors", SafetensorsBytes.file(oneTensor("[0,16.0]", "[4]"), data), "'w'", "16.0");
        rejected("negative.safetensors", SafetensorsBytes.file(oneTensor("[0,16]", "[-4]"), data), "'w'", "-4");
    }

    @Test
    void theDataSectionIsCoveredExactly() throws IOException {
        String two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        rejected("gap.safetensors", SafetensorsBytes.file(two, new byte[16]), "[4, 8)", "'b'", "belong to no tensor");
        rejected("late.safetensors", SafetensorsBytes.file(oneTensor("[4,20]", "[4]"), new byte[20]), "[0, 4)");
        rejected("tail.safetensors", SafetensorsBytes.file(oneTensor("[0,16]", "[4]"), new byte[19]),
                "3 data bytes after the last tensor");
    }

    @Test
    void headerJsonIsStrict() throws IOException {
        byte[] d = new byte[16];
        String w = oneTensor("[0,16]", "[4]");
        rejected("dup.safetensors", SafetensorsBytes.file(w.replace("}}", "},\"w\":{\"dtype\":\"F32\",\"shape\":[4],"
                + "\"data_offsets\":[0,16]}}"), d), "Duplicate field 'w'");
        rejected("trailing.safetensors", SafetensorsBytes.file(w + "\n", d), "after its JSON object", "'\\u000a'");
        rejected("start.safetensors", SafetensorsBytes.file(" " + w, d), "must start with '{'");
        byte[] header = w.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        header[3] = (byte) 0xff; // inside the name "w"
        rejected("utf8.safetensors", SafetensorsBytes.file(header, d), "header byte 3 (0xff) is not valid UTF-8");
        rejected("meta.safetensors", SafetensorsBytes.file("{\"__metadata__\":{\"step\":5},"
                + w.substring(1), d), "__metadata__.step must be a string, found NUMBER");
        rejected("key.safetensors", SafetensorsBytes.file(w.replace("\"dtype\"", "\"extra\":1,\"dtype\""), d),
                "unknown key 'extra'");
        rejected("dtype.safetensors", SafetensorsBytes.file(w.replace("\"F32\"", "\"F33\""), d), "unknown dtype 'F33'");
    }

    @Test
    void aThirtyMegabyteMetadataStringLoads() throws IOException {
        String big = "x".repeat(30 * 1024 * 1024);
        Path p = write("big.safetensors", SafetensorsBytes.file("{\"__metadata__\":{\"notes\":\"" + big + "\"},"
                + oneTensor("[0,16]", "[4]").substring(1), new byte[16]));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(big.length(), f.metadata().get("notes").length());
            assertArrayEquals(new long[] {4}, f.info("w").shape());
        }
    }
}
