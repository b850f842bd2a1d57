package dev.semgrpo.model.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A TensorBoard event file ({@code events.out.tfevents.<seconds>.<host>}) written without TensorFlow: TFRecord
 * framing (little-endian uint64 length, masked CRC32C of the length, the data, masked CRC32C of the data) around
 * {@code tensorflow.Event} protobufs encoded by hand. The first event names the format ({@code brain.Event:2}); each
 * {@link #scalars} call is one event with a {@code Summary} of simple values, which TensorBoard plots per tag and
 * {@code wandb sync --sync-tensorboard} imports.
 *
 * <p>A resumed run opens a new file that starts with a {@code SessionLog START} at the first step it will write again:
 * TensorBoard then drops the points at and after that step from the earlier files (its purge of orphaned data), so a
 * run resumed from a checkpoint shows each step once, as metrics.jsonl does. A kill mid-record leaves a torn last
 * record, which readers skip.
 */
public final class TensorBoardEvents implements AutoCloseable {
    /** The file_version TensorBoard writes and expects. */
    public static final String FILE_VERSION = "brain.Event:2";
    /** How every event file's name starts (TensorBoard reads the files whose names contain "tfevents"). */
    public static final String PREFIX = "events.out.tfevents.";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)\\..*");
    private static final int MASK_DELTA = 0xa282ead8;

    private final Path file;
    private final OutputStream out;

    private TensorBoardEvents(Path file) throws IOException {
        this.file = file;
        this.out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /**
     * A new event file in {@code dir}, named after the current second (later than any event file already there, so
     * that TensorBoard, which reads the files of a folder in name order, reads it last).
     *
     * @param resumeStep 0 for a new run; otherwise the first step this file will write again (a {@code SessionLog
     *     START} at that step purges the earlier files' points from it on)
     */
    public static TensorBoardEvents open(Path dir, long resumeStep) throws IOException {
        long seconds = System.currentTimeMillis() / 1000;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && m.group(1).length() <= 18) {
                    seconds = Math.max(seconds, Long.parseLong(m.group(1)) + 1);
                }
            }
        }
        String host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "_");
        TensorBoardEvents w = new TensorBoardEvents(dir.resolve(PREFIX + seconds + "." + host));
        double now = System.currentTimeMillis() / 1000.0;
        ByteArrayOutputStream version = new ByteArrayOutputStream();
        fixed64(version, 1, Double.doubleToRawLongBits(now));
        bytes(version, 3, FILE_VERSION.getBytes(StandardCharsets.UTF_8));
        w.record(version.toByteArray());
        if (resumeStep > 0) {
            ByteArrayOutputStream sessionLog = new ByteArrayOutputStream();
            varint(sessionLog, 1, 1); // status START
            ByteArrayOutputStream start = new ByteArrayOutputStream();
            fixed64(start, 1, Double.doubleToRawLongBits(now));
            varint(start, 2, resumeStep);
            bytes(start, 7, sessionLog.toByteArray());
            w.record(start.toByteArray());
        }
        w.flush();
        return w;
    }

    /** True when {@code file} is named as an event file. */
    public static boolean isEventFile(Path file) {
        return file.getFileName().toString().startsWith(PREFIX);
    }

    /** One event at {@code step}: a summary with a simple value per tag (float, as TensorBoard stores them). */
    public void scalars(long step, double wallTime, Map<String, Double> values) throws IOException {
        ByteArrayOutputStream summary = new ByteArrayOutputStream();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            ByteArrayOutputStream value = new ByteArrayOutputStream();
            bytes(value, 1, e.getKey().getBytes(StandardCharsets.UTF_8));
            value.write(2 << 3 | 5); // simple_value, 32-bit
            value.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                    .putFloat(e.getValue().floatValue()).array());
            bytes(summary, 1, value.toByteArray());
        }
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        fixed64(event, 1, Double.doubleToRawLongBits(wallTime));
        varint(event, 2, step);
        bytes(event, 5, summary.toByteArray());
        record(event.toByteArray());
    }

    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void record(byte[] data) throws IOException {
        byte[] length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
        try {
            out.write(length);
            out.write(littleEndian(masked(length)));
            out.write(data);
            out.write(littleEndian(masked(data)));
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private FileSystemException failed(IOException e) {
        return new FileSystemException(file.toString(), null, e.getMessage() + "; the TensorBoard events of this run "
                + "stop here (metrics.jsonl holds every step)");
    }

    /** TFRecord's masked CRC32C: the checksum rotated right by 15 bits plus a constant. */
    static int masked(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    private static byte[] littleEndian(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static void varint(ByteArrayOutputStream o, int field, long v) {
        rawVarint(o, (long) field << 3);
        rawVarint(o, v);
    }

    private static void fixed64(ByteArrayOutputStream o, int field, long bits) {
        rawVarint(o, (long) field << 3 | 1);
        o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(bits).array());
    }

    private static void bytes(ByteArrayOutputStream o, int field, byte[] b) {
        rawVarint(o, (long) field << 3 | 2);
        rawVarint(o, b.length);
        o.writeBytes(b);
    }

    private static void rawVarint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }
}
