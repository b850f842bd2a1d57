package dev.semgrpo.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;

/**
 * The one recipe for a random-init decoder directory, used by {@code semgrpo init-model} and by a training config's
 * {@code model.init}, so that the same shapes, tokenizer and seed give the same {@code config.json} and weights.
 * Shapes come from the caller; vocabulary size and special ids from the tokenizer; rope theta from the family
 * ({@link #ropeTheta}); weights from {@link CausalLM#randomInit} on the CPU in FP32, stored as F32.
 */
public final class RandomModel {
    private final Architecture architecture;
    private final int hiddenSize;
    private final int numLayers;
    private final int numHeads;
    private final int numKvHeads;
    private final int headDim;
    private final int intermediateSize;
    private final int maxPositionEmbeddings;
    private final boolean tieWordEmbeddings;
    private final long seed;
    private final double initStd;

    private RandomModel(Builder b) {
        this.architecture = b.architecture;
        this.hiddenSize = b.hiddenSize;
        this.numLayers = b.numLayers;
        this.numHeads = b.numHeads;
        this.numKvHeads = b.numKvHeads != null ? b.numKvHeads : b.numHeads;
        this.headDim = b.headDim != null ? b.headDim : (b.numHeads > 0 ? b.hiddenSize / b.numHeads : 0);
        this.intermediateSize = b.intermediateSize != null ? b.intermediateSize : 3 * b.hiddenSize;
        this.maxPositionEmbeddings = b.maxPositionEmbeddings;
        this.tieWordEmbeddings = b.tieWordEmbeddings;
        this.seed = b.seed;
        this.initStd = b.initStd;
    }

    /**
     * RoPE base of a random model of {@code a}: the value of the family's released checkpoints (Llama 3: 500000;
     * Qwen2 and Qwen3: 1000000), so a tiny model rotates like the real ones. transformers' config classes default
     * to 10000 for all three, but semgrpo always writes {@code rope_theta}, so that default is never read.
     */
    public static double ropeTheta(Architecture a) {
        return a == Architecture.LLAMA ? 500000.0 : 1000000.0;
    }

    /** The config of this model over {@code tok}'s vocabulary and special ids; checked by {@link ModelConfig}. */
    public ModelConfig config(TextTokenizer tok) {
        return ModelConfig.builder().setArchitecture(architecture).setVocabSize(tok.vocabSize())
                .setHiddenSize(hiddenSize).setIntermediateSize(intermediateSize).setNumLayers(numLayers)
                .setNumHeads(numHeads).optNumKvHeads(numKvHeads).optHeadDim(headDim).optRmsNormEps(1e-6)
                .setRopeTheta(ropeTheta(architecture)).optTieWordEmbeddings(tieWordEmbeddings)
                .optMaxPositionEmbeddings(maxPositionEmbeddings).optQkvBias(architecture == Architecture.QWEN2)
                .optEosTokenIds(new ArrayList<>(tok.eosIds())).optBosTokenId(tok.bosId()).optPadTokenId(tok.padId())
                .build();
    }

    /**
     * Writes the model into {@code dir} (config.json, model.safetensors and {@code tok}'s tokenizer files); the
     * caller picks the folder and makes the write atomic.
     *
     * @return the number of parameters
     */
    public long write(Path dir, TextTokenizer tok) throws IOException {
        try (CausalLM m = CausalLM.randomInit(config(tok), seed, initStd, Device.cpu(), DataType.FLOAT32)) {
            m.save(dir, DType.F32, tok.directory(), SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
            return m.parameterCount();
        }
    }

    /**
     * A builder. Required: architecture, hidden size, layers and heads. Optional: key/value heads (default heads),
     * head_dim (hidden / heads), intermediate size (3 x hidden), max positions (2048), tied embeddings (true), seed
     * (0) and the init std (0.02). The optional defaults are those of {@code model.init}.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link RandomModel}; the shapes are checked when the config is built. */
    public static final class Builder {
        private Architecture architecture;
        private Integer hiddenSize;
        private Integer numLayers;
        private Integer numHeads;
        private Integer numKvHeads;
        private Integer headDim;
        private Integer intermediateSize;
        private int maxPositionEmbeddings = 2048;
        private boolean tieWordEmbeddings = true;
        private long seed;
        private double initStd = 0.02;

        private Builder() {
        }

        public Builder setArchitecture(Architecture architecture) {
            this.architecture = architecture;
            return this;
        }

        public Builder setHiddenSize(int hiddenSize) {
            this.hiddenSize = hiddenSize;
            return this;
        }

        public Builder setNumLayers(int numLayers) {
            this.numLayers = numLayers;
            return this;
        }

        public Builder setNumHeads(int numHeads) {
            this.numHeads = numHeads;
            return this;
        }

        public Builder optNumKvHeads(int numKvHeads) {
            this.numKvHeads = numKvHeads;
            return this;
        }

        public Builder optHeadDim(int headDim) {
            this.headDim = headDim;
            return this;
        }

        public Builder optIntermediateSize(int intermediateSize) {
            this.intermediateSize = intermediateSize;
            return this;
        }

        public Builder optMaxPositionEmbeddings(int maxPositionEmbeddings) {
            this.maxPositionEmbeddings = maxPositionEmbeddings;
            return this;
        }

        public Builder optTieWordEmbeddings(boolean tieWordEmbeddings) {
            this.tieWordEmbeddings = tieWordEmbeddings;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Standard deviation of the normal init of matrices and biases. */
        public Builder optInitStd(double initStd) {
            this.initStd = initStd;
            return this;
        }

        public RandomModel build() {
            if (architecture == null || hiddenSize == null || numLayers == null || numHeads == null) {
                throw new IllegalStateException("RandomModel.builder(): setArchitecture, setHiddenSize, setNumLayers"
                        + " and setNumHeads are required");
            }
            return new RandomModel(this);
        }
    }
}
