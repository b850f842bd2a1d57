package dev.semgrpo.cli;

import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.io.AtomicFiles;
import dev.semgrpo.model.nn.RandomModel;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes a randomly initialised HF model directory. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = "Write a random-init HF-format causal LM directory (config.json, model.safetensors, tokenizer files).",
        footer = {"", "Examples:",
                "  semgrpo init-model --arch qwen3 --hidden 64 --layers 2 --heads 4 \\",
                "      --kv-heads 2 --vocab-from data/tokenizers/byte-level/tokenizer.json \\",
                "      --seed 1 --out runs/tiny-qwen3",
                "  semgrpo init-model --arch llama --hidden 512 --layers 8 --heads 8 \\",
                "      --kv-heads 8 --intermediate 1536 \\",
                "      --vocab-from my-tokenizer/tokenizer.json --seed 7 --out runs/llama-30m"})
final class InitModelCommand implements Callable<Integer> {
    @Option(names = "--arch", required = true, description = "qwen3, qwen2 or llama")
    String arch;

    @Option(names = "--hidden", required = true, description = "hidden size")
    int hidden;

    @Option(names = "--layers", required = true, description = "decoder layers")
    int layers;

    @Option(names = "--heads", required = true, description = "attention heads")
    int heads;

    @Option(names = "--kv-heads", required = true, description = "key/value heads (GQA when fewer than heads)")
    int kvHeads;

    @Option(names = "--head-dim", description = "per-head width (default hidden / heads)")
    Integer headDim;

    @Option(names = "--intermediate", description = "MLP width (default 3 x hidden)")
    Integer intermediate;

    @Option(names = "--max-positions", defaultValue = "4096", description = "max_position_embeddings. Default: ${DEFAULT-VALUE}.")
    int maxPositions;

    @Option(names = "--tie-embeddings", description = "share embed_tokens with the LM head")
    boolean tie;

    @Option(names = "--init-std", defaultValue = "0.02", description = "std of the normal init. Default: ${DEFAULT-VALUE}.")
    double std;

    @Option(names = "--vocab-from", required = true,
            description = "tokenizer.json whose vocabulary sets vocab_size; its directory's tokenizer files are copied")
    Path vocabFrom;

    @Option(names = "--seed", defaultValue = "0", description = "init seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", required = true, description = "output directory (must be new or empty)")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(vocabFrom)) {
            throw new IllegalArgumentException("--vocab-from " + vocabFrom + ": no such file; pass a tokenizer.json");
        }
        OutputPaths.requireNewOrEmpty(out, "--out");
        Architecture a = Architecture.fromModelType(arch);
        RandomModel.Builder b = RandomModel.builder().setArchitecture(a).setHiddenSize(hidden).setNumLayers(layers)
                .setNumHeads(heads).optNumKvHeads(kvHeads).optMaxPositionEmbeddings(maxPositions)
                .optTieWordEmbeddings(tie).optSeed(seed).optInitStd(std);
        if (headDim != null) {
            b.optHeadDim(headDim);
        }
        if (intermediate != null) {
            b.optIntermediateSize(intermediate);
        }
        RandomModel spec = b.build();
        try (TextTokenizer tok = TextTokenizer.load(vocabFrom.toAbsolutePath().getParent())) {
            ModelConfig c = spec.config(tok);
            long[] params = new long[1];
            AtomicFiles.writeFolder(out, dir -> params[0] = spec.write(dir, tok));
            System.out.printf("wrote %s: %s, %,d parameters, vocab %d%n", out, a.modelType(), params[0],
                    c.vocabSize());
        }
        return 0;
    }
}
