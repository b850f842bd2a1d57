package dev.semgrpo.cli;

import dev.semgrpo.model.io.AtomicFiles;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.nn.CausalLM;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Folds a PEFT adapter into its base model. */
@Command(name = "merge-adapter", mixinStandardHelpOptions = true,
        description = "Merge a LoRA adapter (PEFT format) into its base model and write a HF model directory.",
        footer = {"", "Examples:",
                "  semgrpo merge-adapter --model models/Qwen3-4B \\",
                "      --adapter runs/qwen3-4b-cold-start/final \\",
                "      --out runs/qwen3-4b-cold-start/merged"})
final class MergeAdapterCommand implements Callable<Integer> {
    @Option(names = "--adapter", required = true, description = "PEFT adapter directory")
    Path adapter;

    @Option(names = "--out", required = true, description = "output model directory (must be new or empty)")
    Path out;

    @Option(names = "--store-as", defaultValue = "F32", description = "F32, F16 or BF16. Default: ${DEFAULT-VALUE}.")
    DType storeAs;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        OutputPaths.requireNewOrEmpty(out, "--out");
        try (CausalLM lm = model.load()) {
            Lora.load(lm, adapter);
            lm.mergeAdapters();
            AtomicFiles.writeFolder(out, dir -> lm.save(dir, storeAs, model.model,
                    SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES));
        }
        System.out.println("wrote merged model to " + out);
        return 0;
    }
}
