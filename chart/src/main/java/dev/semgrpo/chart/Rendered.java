package dev.semgrpo.chart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A drawn chart: its PNG bytes and the data it plots as CSV text (see {@link Csv}), written as {@code NAME.png}
 * and {@code NAME.csv} side by side.
 *
 * @param png the image, PNG-encoded
 * @param csv the plotted data, a header row first
 */
public record Rendered(byte[] png, String csv) {
    /** Writes one whole file; the caller's own writer (a temporary name renamed into place). */
    @FunctionalInterface
    public interface FileWriter {
        /** Writes {@code bytes} as the whole content of {@code file}. */
        void write(Path file, byte[] bytes) throws IOException;
    }

    /** The CSV file beside a PNG file: the same name with {@code .csv} for {@code .png}. */
    public static Path csvBeside(Path png) {
        String name = png.getFileName().toString();
        if (!name.endsWith(".png")) {
            throw new IllegalArgumentException("a chart's file name ends with .png, found " + png);
        }
        return png.resolveSibling(name.substring(0, name.length() - 4) + ".csv");
    }

    /** Writes the PNG at {@code png} and the CSV beside it ({@link #csvBeside}), each through {@code writer}. */
    public void writeTo(Path png, FileWriter writer) throws IOException {
        writer.write(png, this.png);
        writer.write(csvBeside(png), csv.getBytes(StandardCharsets.UTF_8));
    }
}
