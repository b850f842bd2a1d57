package dev.semgrpo.model.io;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor's header entry.
 *
 * @param name tensor name
 * @param dtype element type
 * @param shape dimensions (empty for a scalar)
 * @param begin first byte, relative to the data section
 * @param end one past the last byte, relative to the data section
 * @param file the safetensors file holding it
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end, Path file) {
    public long numel() {
        return numel(shape);
    }

    public long byteSize() {
        return end - begin;
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
