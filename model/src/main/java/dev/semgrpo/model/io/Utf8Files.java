package dev.semgrpo.model.io;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Text files read as strict UTF-8: a malformed byte is an error naming the file, the line and the byte, not
 * Java's bare "Input length = 1".
 */
public final class Utf8Files {
    private Utf8Files() {
    }

    /** Receives each line of a file (without its line terminator) and its 1-based number. */
    @FunctionalInterface
    public interface LineHandler {
        void line(int number, String text) throws IOException;
    }

    /** The whole file as a string. */
    public static String read(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        forEachLine(file, (n, s) -> sb.append(s).append('\n'), true);
        return sb.toString();
    }

    /** Calls {@code handler} for every line; a trailing {@code \r} is dropped (CRLF files). */
    public static void forEachLine(Path file, LineHandler handler) throws IOException {
        forEachLine(file, handler, false);
    }

    private static void forEachLine(Path file, LineHandler handler, boolean keepCr) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int n = 0;
            int b;
            boolean pending = false;
            while ((b = in.read()) != -1) {
                pending = true;
                if (b == '\n') {
                    handler.line(++n, decode(file, n, line.toByteArray(), keepCr));
                    line.reset();
                    pending = false;
                } else {
                    line.write(b);
                }
            }
            if (pending) {
                handler.line(++n, decode(file, n, line.toByteArray(), keepCr));
            }
        }
    }

    private static String decode(Path file, int lineNr, byte[] bytes, boolean keepCr) throws IOException {
        int len = !keepCr && bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        byte[] text = Arrays.copyOf(bytes, len);
        int bad = Utf8.firstInvalid(text);
        if (bad >= 0) {
            throw new IOException(file + ":" + lineNr + ": not valid UTF-8 (byte 0x"
                    + String.format("%02X", text[bad] & 0xFF) + " at byte " + (bad + 1)
                    + " of the line); save the file as UTF-8");
        }
        return new String(text, StandardCharsets.UTF_8);
    }
}
