package dev.semgrpo.rewards.encoder;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.encoder.TransformerEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a sentence encoder directory with the native DJL backend or with ONNX Runtime. */
public final class SentenceEncoders {
    /** Which engine runs the transformer. */
    public enum Backend {
        NATIVE,
        ONNX
    }

    /**
     * @param backend native (safetensors) or onnx (model.onnx or onnx/model.onnx)
     * @param device compute device (the ONNX path runs on the CPU)
     * @param dtype float32 or float16 (native only)
     * @param batchSize texts per forward
     * @param pooling pooling when the directory has no Pooling module
     * @param maxSeqLength override of the directory's max_seq_length, or null
     */
    public record Options(Backend backend, Device device, DataType dtype, int batchSize, Pooling pooling,
            Integer maxSeqLength) {
        public static Options defaults() {
            return new Options(Backend.NATIVE, Device.cpu(), DataType.FLOAT32, 64, Pooling.MEAN, null);
        }
    }

    private SentenceEncoders() {
    }

    public static PooledSentenceEncoder open(Path dir, Options o) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": no such encoder directory");
        }
        EncoderSpec spec = EncoderSpec.read(dir, o.pooling(), 512);
        Path tokenizerJson = Files.isRegularFile(spec.transformerDir().resolve("tokenizer.json"))
                ? spec.transformerDir().resolve("tokenizer.json") : dir.resolve("tokenizer.json");
        if (o.backend() == Backend.ONNX) {
            Path onnx = Files.isRegularFile(dir.resolve("model.onnx")) ? dir.resolve("model.onnx")
                    : dir.resolve("onnx").resolve("model.onnx");
            int max = o.maxSeqLength() != null ? o.maxSeqLength() : spec.maxSeqLength();
            EncoderTokenizer tok = new EncoderTokenizer(tokenizerJson, max);
            try {
                return new OnnxSentenceEncoder(onnx, withMax(spec, max), tok, o.batchSize());
            } catch (IOException | RuntimeException e) {
                tok.close();
                throw e;
            }
        }
        TransformerEncoder enc = TransformerEncoder.load(spec.transformerDir(), o.device(), o.dtype());
        int max = Math.min(o.maxSeqLength() != null ? o.maxSeqLength() : spec.maxSeqLength(), enc.config().maxTokens());
        try {
            EncoderTokenizer tok = new EncoderTokenizer(tokenizerJson, max);
            return new NativeSentenceEncoder(enc, withMax(spec, max), tok, o.batchSize());
        } catch (IOException | RuntimeException e) {
            enc.close();
            throw e;
        }
    }

    private static EncoderSpec withMax(EncoderSpec s, int max) {
        return new EncoderSpec(s.transformerDir(), s.pooling(), s.includePrompt(), s.dense(), s.normalize(), max,
                s.prompts(), s.defaultPrompt());
    }
}
