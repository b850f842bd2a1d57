package dev.semgrpo.model.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8: overlong forms, encoded surrogates, truncated sequences and stray bytes are errors with the byte
 * offset, never replaced by U+FFFD (which would let a corrupt name or key load as a different one).
 */
public final class Utf8 {
    private Utf8() {
    }

    /** The first byte of {@code bytes} that is not part of valid UTF-8, or -1 when all of it is valid. */
    public static int firstInvalid(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder(); // reports malformed input, replaces nothing
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never yields more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        return result.isError() ? in.position() : -1;
    }

    /** The 1-based line holding byte {@code offset} of {@code bytes}. */
    public static int lineOf(byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    /** "byte N (0xAB)" for error messages. */
    public static String describeByte(byte[] bytes, int offset) {
        return "byte " + offset + " (0x" + Integer.toHexString(0x100 | (bytes[offset] & 0xff)).substring(1) + ")";
    }
}
