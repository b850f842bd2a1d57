package dev.semgrpo.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which model, where and in what precision it runs. */
final class ModelOptions {
    @Option(names = "--model", required = true, description = "HF model directory (config.json, safetensors,"
            + " tokenizer.json)")
    Path model;

    @Option(names = "--device", defaultValue = "cpu",
            description = "cpu, gpu or gpu:N (needs the CUDA native flavour, see README). Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--dtype", defaultValue = "float32",
            description = "compute dtype: float32 or float16 (bf16 checkpoints are converted). Default: ${DEFAULT-VALUE}.")
    String dtype;

    CausalLM load() throws IOException {
        return CausalLM.load(model, device(), dtype());
    }

    TextTokenizer tokenizer() throws IOException {
        return TextTokenizer.load(model);
    }

    Device device() {
        return Torch.device(device, "--device");
    }

    DataType dtype() {
        return switch (dtype.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "float32", "fp32", "f32" -> DataType.FLOAT32;
            case "float16", "fp16", "f16", "half" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("--dtype must be float32 or float16, found '" + dtype
                    + "' (bfloat16 compute is not available in DJL's PyTorch engine)");
        };
    }
}
