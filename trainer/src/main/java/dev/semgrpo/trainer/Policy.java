package dev.semgrpo.trainer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.io.AtomicFiles;
import dev.semgrpo.model.io.Checkpoint;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.ModelDirectory;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.nn.RandomModel;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.config.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The model being trained: LoRA adapters on a frozen base (the base with adapters off is the reference), or every
 * weight (a frozen copy loaded on demand is the reference). Checkpoints hold the adapter in PEFT format or the full
 * model in HF format, and are restored in place so optimizer state stays attached.
 */
public final class Policy implements AutoCloseable {
    private final Settings.Model settings;
    private final CausalLM model;
    private final TextTokenizer tokenizer;
    private final List<NDArray> trainable;
    private CausalLM reference; // full fine-tuning only

    private Policy(Settings.Model settings, CausalLM model, TextTokenizer tokenizer, List<NDArray> trainable) {
        this.settings = settings;
        this.model = model;
        this.tokenizer = tokenizer;
        this.trainable = trainable;
    }

    /** Opens (or, with {@code init}, first creates) the model and makes its trainable weights require gradients. */
    public static Policy open(Settings.Model s, long seed) throws IOException {
        Device device = Torch.device(s.device(), "model.device");
        if (!Files.isRegularFile(s.path().resolve("config.json"))) {
            if (s.init() == null) {
                throw new IOException(s.path() + ": no model directory (config.json missing); set model.path to a HF"
                        + " model directory, or add model.init to create a random one" + ModelDirectory.hubIdLike(
                                s.path()).map(id -> "; " + ModelDirectory.downloadHint(id)).orElse(""));
            }
            create(s.path(), s.init());
        }
        TextTokenizer tok = TextTokenizer.load(s.path());
        CausalLM model = CausalLM.load(s.path(), device, DataType.FLOAT32);
        List<NDArray> trainable;
        if (s.lora() != null) {
            trainable = Lora.attach(model, s.lora(), seed);
        } else {
            trainable = new ArrayList<>(model.trainableWeights());
            trainable.forEach(p -> p.setRequiresGradient(true));
        }
        return new Policy(s, model, tok, trainable);
    }

    /**
     * Creates the random model in a temporary folder beside {@code dir} and renames it into place, so a kill never
     * leaves a model directory with a config.json but missing weights or tokenizer files.
     */
    private static void create(Path dir, TrainConfig.Init init) throws IOException {
        Path abs = dir.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp-init");
        if (Files.isDirectory(abs)) {
            try (Stream<Path> s = Files.list(abs)) {
                if (s.findAny().isPresent()) {
                    throw new IOException(abs + " holds files but no config.json; model.init creates a model only in"
                            + " a missing or empty folder: point model.path elsewhere or remove that folder");
                }
            }
            Files.delete(abs);
        }
        if (Files.exists(tmp)) {
            AtomicFiles.deleteTree(tmp); // left by a kill
        }
        try (TextTokenizer tok = TextTokenizer.load(initTokenizerDir(init))) {
            randomModel(init).write(tmp, tok);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            if (Files.exists(tmp)) {
                AtomicFiles.deleteTree(tmp);
            }
            throw e;
        }
    }

    private static Path initTokenizerDir(TrainConfig.Init init) {
        Path tokJson = Path.of(init.tokenizer() == null ? "data/tokenizers/byte-level/tokenizer.json" : init.tokenizer());
        return tokJson.toAbsolutePath().getParent();
    }

    /** The shapes of the model {@code model.init} creates (the memory plan reads them before it exists). */
    public static ModelConfig initConfig(TrainConfig.Init init) throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(initTokenizerDir(init))) {
            return initConfig(init, tok);
        }
    }

    private static ModelConfig initConfig(TrainConfig.Init init, TextTokenizer tok) {
        return randomModel(init).config(tok);
    }

    /** {@code model.init} as a {@link RandomModel}: unset shapes default to qwen3, hidden 64, 2 layers, 4 heads. */
    private static RandomModel randomModel(TrainConfig.Init init) {
        int hidden = init.hidden() == null ? 64 : init.hidden();
        int heads = init.heads() == null ? 4 : init.heads();
        return RandomModel.builder()
                .setArchitecture(Architecture.fromModelType(init.arch() == null ? "qwen3" : init.arch()))
                .setHiddenSize(hidden).setNumLayers(init.layers() == null ? 2 : init.layers()).setNumHeads(heads)
                .optNumKvHeads(init.kvHeads() == null ? heads : init.kvHeads())
                .optIntermediateSize(init.intermediate() == null ? 3 * hidden : init.intermediate())
                .optMaxPositionEmbeddings(2048).optTieWordEmbeddings(true).optSeed(init.seed() == null ? 0 : init.seed())
                .optInitStd(0.02).build();
    }

    public CausalLM model() {
        return model;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public List<NDArray> trainable() {
        return trainable;
    }

    /**
     * The reference model for the KL term: this model with adapters off (LoRA), or a frozen copy of the starting
     * weights (full fine-tuning). Run {@code body} with it and restore the policy afterwards.
     */
    public <T> T withReference(java.util.function.Function<CausalLM, T> body) throws IOException {
        if (settings.lora() != null) {
            model.setAdaptersEnabled(false);
            try {
                return body.apply(model);
            } finally {
                model.setAdaptersEnabled(true);
            }
        }
        if (reference == null) {
            reference = CausalLM.load(settings.path(), model.device(), DataType.FLOAT32);
        }
        return body.apply(reference);
    }

    /** Writes the trained weights into {@code dir}: {@code adapter/} (PEFT) or {@code model/} (HF). */
    public void save(Path dir) throws IOException {
        if (settings.lora() != null) {
            Lora.save(model, settings.lora(), dir.resolve("adapter"), settings.path().toAbsolutePath().toString());
        } else {
            model.save(dir.resolve("model"), DType.F32, settings.path(), SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
    }

    /** Writes the current adapter as a PEFT directory {@code dir} (LoRA policies only): what a server loads. */
    public void saveAdapter(Path dir) throws IOException {
        if (settings.lora() == null) {
            throw new IllegalStateException("a full fine-tuning policy has no adapter to save");
        }
        Lora.save(model, settings.lora(), dir, settings.path().toAbsolutePath().toString());
    }

    /** Restores weights written by {@link #save}, in place. */
    public void restore(Path dir) throws IOException {
        if (settings.lora() != null) {
            Lora.restore(model, dir.resolve("adapter"));
            return;
        }
        try (Checkpoint ck = Checkpoint.open(dir.resolve("model"))) {
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                try (NDArray loaded = ck.load(model.manager(), e.getKey(), DataType.FLOAT32)) {
                    Torch.copyInto(e.getValue(), loaded);
                }
            }
        }
    }

    @Override
    public void close() {
        tokenizer.close();
        model.close();
        if (reference != null) {
            reference.close();
        }
    }
}
