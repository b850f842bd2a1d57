package dev.semgrpo.cli;

import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.Torch;
import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import dev.semgrpo.rewards.encoder.Pooling;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How a sentence encoder is opened. */
final class EncoderOptions {
    @Option(names = "--backend", defaultValue = "native", description = "native (DJL, safetensors) or onnx (model.onnx"
            + " via OnnxRuntime). Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--batch-size", defaultValue = "64", description = "texts per forward. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 or float16. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--prompt", description = "prefix put before every text, e.g. \"query: \"")
    String prompt;

    @Option(names = "--prompt-name", description = "a prompt named in config_sentence_transformers.json")
    String promptName;

    @Option(names = "--max-seq-length", description = "override the directory's max_seq_length")
    Integer maxSeqLength;

    @Option(names = "--pooling", defaultValue = "mean", description = "pooling when the directory has no Pooling"
            + " module: cls, mean, max, mean_sqrt_len, lasttoken. Default: ${DEFAULT-VALUE}.")
    String pooling;

    PooledSentenceEncoder open(Path dir) throws IOException {
        SentenceEncoders.Backend b = switch (backend.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "native" -> SentenceEncoders.Backend.NATIVE;
            case "onnx" -> SentenceEncoders.Backend.ONNX;
            default -> throw new IllegalArgumentException("--backend must be native or onnx, found '" + backend + "'");
        };
        DataType dt = switch (dtype) {
            case "float32" -> DataType.FLOAT32;
            case "float16" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("--dtype must be float32 or float16, found '" + dtype + "'");
        };
        return SentenceEncoders.open(dir, new SentenceEncoders.Options(b, Torch.device(device, "--device"), dt,
                batchSize, Pooling.parse(pooling), maxSeqLength));
    }

    /** The prefix: --prompt, else the named (or default) prompt of the directory. */
    String prefix(PooledSentenceEncoder enc) {
        return prompt != null ? prompt : enc.spec().prefix(promptName);
    }
}
