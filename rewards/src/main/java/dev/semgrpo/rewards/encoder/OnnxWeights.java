package dev.semgrpo.rewards.encoder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the weights of an ONNX export of a BERT-family encoder, so the native encoder can run the same weights.
 * It parses the protobuf wire format directly (ModelProto.graph: initializers and nodes; no protobuf library).
 * Exporters keep HF names for biases, LayerNorms and embeddings, but a Linear becomes a MatMul whose weight is an
 * anonymous transposed initializer ({@code onnx::MatMul_787}, shape (in, out)). Such weights are named after the
 * MatMul's output ({@code /encoder/layer.0/attention/self/query/MatMul_output_0} gives
 * {@code encoder.layer.0.attention.self.query.weight}) and transposed to HF's (out, in).
 */
public final class OnnxWeights {
    /** A float tensor. */
    public record Tensor(long[] shape, float[] values) {
    }

    private static final int FLOAT = 1;

    private OnnxWeights() {
    }

    /** HF-named float weights of {@code onnx}; non-float initializers (position id buffers) are skipped. */
    public static Map<String, Tensor> read(Path onnx) throws IOException {
        ByteBuffer buf;
        try (FileChannel ch = FileChannel.open(onnx, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                throw new IOException(onnx + ": " + ch.size() + " bytes; ONNX files over 2 GiB keep their weights as"
                        + " external data, which this reader does not follow");
            }
            buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        Reader model = new Reader(buf, 0, buf.limit(), onnx);
        int[] graph = null;
        while (model.more()) {
            int field = model.tag();
            if (field == 7 && model.wire == 2) {
                graph = model.span();
            } else {
                model.skip();
            }
        }
        if (graph == null) {
            throw new IOException(onnx + ": no graph; not an ONNX model");
        }
        Map<String, Tensor> inits = new LinkedHashMap<>();
        Map<String, String> matmulWeights = new LinkedHashMap<>(); // initializer -> MatMul output name
        Reader g = new Reader(buf, graph[0], graph[1], onnx);
        while (g.more()) {
            int field = g.tag();
            if (field == 5 && g.wire == 2) {
                int[] s = g.span();
                readTensor(new Reader(buf, s[0], s[1], onnx), inits);
            } else if (field == 1 && g.wire == 2) {
                int[] s = g.span();
                readNode(new Reader(buf, s[0], s[1], onnx), matmulWeights);
            } else {
                g.skip();
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : inits.entrySet()) {
            String output = matmulWeights.get(e.getKey());
            if (output != null && e.getKey().startsWith("onnx::")) {
                String module = output.replaceFirst("^/", "").replaceFirst("/MatMul_output_0$", "").replace('/', '.');
                out.put(module + ".weight", transpose(e.getValue()));
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static Tensor transpose(Tensor t) {
        if (t.shape().length != 2) {
            return t;
        }
        int rows = (int) t.shape()[0];
        int cols = (int) t.shape()[1];
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                v[c * rows + r] = t.values()[r * cols + c];
            }
        }
        return new Tensor(new long[] {cols, rows}, v);
    }

    private static void readNode(Reader r, Map<String, String> matmulWeights) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String op = null;
        while (r.more()) {
            int field = r.tag();
            if (field == 1 && r.wire == 2) {
                inputs.add(r.string());
            } else if (field == 2 && r.wire == 2) {
                outputs.add(r.string());
            } else if (field == 4 && r.wire == 2) {
                op = r.string();
            } else {
                r.skip();
            }
        }
        if ("MatMul".equals(op) && inputs.size() == 2 && outputs.size() == 1) {
            matmulWeights.put(inputs.get(1), outputs.get(0));
        }
    }

    private static void readTensor(Reader r, Map<String, Tensor> out) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = null;
        int[] raw = null;
        List<Float> floats = new ArrayList<>();
        boolean external = false;
        while (r.more()) {
            int field = r.tag();
            switch (field) {
                case 1 -> {
                    if (r.wire == 2) {
                        int[] s = r.span();
                        Reader p = new Reader(r.buf, s[0], s[1], r.file);
                        while (p.more()) {
                            dims.add(p.varint());
                        }
                    } else {
                        dims.add(r.varint());
                    }
                }
                case 2 -> dataType = (int) r.varint();
                case 4 -> {
                    if (r.wire == 2) {
                        int[] s = r.span();
                        for (int i = s[0]; i < s[1]; i += 4) {
                            floats.add(r.buf.getFloat(i));
                        }
                    } else {
                        floats.add(Float.intBitsToFloat((int) r.fixed32()));
                    }
                }
                case 8 -> name = r.string();
                case 9 -> raw = r.span();
                case 14 -> external = r.varint() == 1;
                default -> r.skip();
            }
        }
        if (external) {
            throw new IOException(r.file + ": initializer '" + name + "' keeps its data in an external file, which"
                    + " this reader does not follow; re-export with the weights inside model.onnx");
        }
        if (dataType != FLOAT || name == null) {
            return;
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        if (raw != null) {
            if ((raw[1] - raw[0]) != 4L * n) {
                throw new IOException(r.file + ": initializer '" + name + "' holds " + (raw[1] - raw[0])
                        + " bytes, shape " + dims + " needs " + 4L * n);
            }
            ByteBuffer b = r.buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            b.position(raw[0]);
            b.asFloatBuffer().get(v, 0, v.length);
        } else {
            if (floats.size() != n) {
                throw new IOException(r.file + ": initializer '" + name + "' holds " + floats.size()
                        + " floats, shape " + dims + " needs " + n);
            }
            for (int i = 0; i < v.length; i++) {
                v[i] = floats.get(i);
            }
        }
        out.put(name, new Tensor(shape, v));
    }

    /** A protobuf wire-format cursor over [pos, end). */
    private static final class Reader {
        final ByteBuffer buf;
        final Path file;
        int pos;
        final int end;
        int wire;

        Reader(ByteBuffer buf, int pos, int end, Path file) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
            this.file = file;
        }

        boolean more() {
            return pos < end;
        }

        int tag() throws IOException {
            long key = varint();
            wire = (int) (key & 7);
            return (int) (key >>> 3);
        }

        long varint() throws IOException {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IOException(file + ": truncated protobuf varint at byte " + pos);
                }
                byte b = buf.get(pos++);
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IOException(file + ": malformed protobuf varint at byte " + pos);
        }

        long fixed32() {
            long v = buf.getInt(pos) & 0xffffffffL;
            pos += 4;
            return v;
        }

        int[] span() throws IOException {
            long len = varint();
            if (len < 0 || pos + len > end) {
                throw new IOException(file + ": protobuf field of " + len + " bytes runs past its message at byte "
                        + pos + "; the file is truncated or not ONNX");
            }
            int[] s = {pos, (int) (pos + len)};
            pos += (int) len;
            return s;
        }

        String string() throws IOException {
            int[] s = span();
            byte[] b = new byte[s[1] - s[0]];
            buf.duplicate().position(s[0]).get(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        void skip() throws IOException {
            switch (wire) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> span();
                case 5 -> pos += 4;
                default -> throw new IOException(file + ": unsupported protobuf wire type " + wire + " at byte " + pos);
            }
        }
    }
}
