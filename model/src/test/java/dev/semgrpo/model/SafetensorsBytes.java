package dev.semgrpo.model;

import dev.semgrpo.model.io.SafetensorsWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Raw safetensors files for tests that need bytes no writer would produce: a header length, header bytes, data. */
final class SafetensorsBytes {
    private SafetensorsBytes() {
    }

    /** {@code header} (padded with spaces to a multiple of 8) after its length, then {@code data}. */
    static byte[] file(String header, byte[] data) {
        return file(header.getBytes(StandardCharsets.UTF_8), data);
    }

    static byte[] file(byte[] header, byte[] data) {
        ByteBuffer head = SafetensorsWriter.headerBlock(header);
        return ByteBuffer.allocate(head.remaining() + data.length).put(head).put(data).array();
    }

    /**
     * A valid file of three F32 tensors ({@code a} [2, 3], {@code b} [4], {@code c} [0]) and two I64 ids, with
     * {@code __metadata__}, written in an order other than the offsets' to exercise sorting.
     */
    static String validHeader() {
        return "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"fuzz\"},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"c\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[40,40]},"
                + "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[40,56]}}";
    }

    /** The 56 data bytes of {@link #validHeader()}, drawn from {@code seed}. */
    static byte[] validData(long seed) {
        byte[] d = new byte[56];
        new Random(seed).nextBytes(d);
        return d;
    }
}
