package dev.semgrpo.model.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.Dropout;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.semgrpo.model.Scalars;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.io.Checkpoint;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.ModelDirectory;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.Problems;
import dev.semgrpo.model.io.SafetensorsException;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.io.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A BERT / RoBERTa / XLM-R encoder as DJL ops: embeddings (word + position + token type, LayerNorm), then post-norm
 * blocks {@code x = LN(x + attn(x)); x = LN(x + W2 gelu(W1 x))}. Returns the last hidden state; pooling belongs to
 * the sentence encoder that wraps it. Weights are HF-named without a model prefix, as sentence-transformers saves
 * them.
 */
public final class TransformerEncoder implements AutoCloseable {
    /** Prefixes a checkpoint may put before {@code embeddings.word_embeddings.weight}. */
    private static final List<String> PREFIXES = List.of("", "bert.", "roberta.", "xlm_roberta.", "model.");

    private final EncoderConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final Map<String, NDArray> params; // HF name -> weight
    private boolean training;
    private float dropout = 0.1f;

    private TransformerEncoder(EncoderConfig config, NDManager manager, DataType dtype, Map<String, NDArray> params) {
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        this.params = params;
    }

    /** Every tensor the config implies, name to shape. */
    public static Map<String, long[]> layout(EncoderConfig c) {
        Map<String, long[]> w = new LinkedHashMap<>();
        long h = c.hiddenSize();
        w.put("embeddings.word_embeddings.weight", new long[] {c.vocabSize(), h});
        w.put("embeddings.position_embeddings.weight", new long[] {c.maxPositionEmbeddings(), h});
        w.put("embeddings.token_type_embeddings.weight", new long[] {c.typeVocabSize(), h});
        w.put("embeddings.LayerNorm.weight", new long[] {h});
        w.put("embeddings.LayerNorm.bias", new long[] {h});
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "encoder.layer." + i + ".";
            for (String m : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense")) {
                w.put(p + m + ".weight", new long[] {h, h});
                w.put(p + m + ".bias", new long[] {h});
            }
            w.put(p + "attention.output.LayerNorm.weight", new long[] {h});
            w.put(p + "attention.output.LayerNorm.bias", new long[] {h});
            w.put(p + "intermediate.dense.weight", new long[] {c.intermediateSize(), h});
            w.put(p + "intermediate.dense.bias", new long[] {c.intermediateSize()});
            w.put(p + "output.dense.weight", new long[] {h, c.intermediateSize()});
            w.put(p + "output.dense.bias", new long[] {h});
            w.put(p + "output.LayerNorm.weight", new long[] {h});
            w.put(p + "output.LayerNorm.bias", new long[] {h});
        }
        return w;
    }

    /** Loads config.json + safetensors of {@code dir}; all missing or mis-shaped tensors are reported together. */
    public static TransformerEncoder load(Path dir, Device device, DataType dtype) throws IOException {
        ModelDirectory.require(dir);
        EncoderConfig config = EncoderConfig.load(dir.resolve("config.json"));
        NDManager manager = Torch.manager(device);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            String prefix = null;
            for (String p : PREFIXES) {
                if (ckpt.contains(p + "embeddings.word_embeddings.weight")) {
                    prefix = p;
                    break;
                }
            }
            if (prefix == null) {
                throw new SafetensorsException(dir + ": no 'embeddings.word_embeddings.weight' under any of the"
                        + " prefixes " + PREFIXES + "; is this a BERT-family encoder?");
            }
            Map<String, long[]> expected = layout(config);
            Problems problems = new Problems();
            Map<String, String> source = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                String name = prefix + e.getKey();
                if (!ckpt.contains(name) && name.contains("LayerNorm")) {
                    String old = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias",
                            "LayerNorm.beta");
                    name = ckpt.contains(old) ? old : name;
                }
                if (!ckpt.contains(name)) {
                    problems.add("missing tensor '" + name + "', expected shape " + Arrays.toString(e.getValue()));
                    continue;
                }
                TensorInfo t = ckpt.info(name);
                if (!Arrays.equals(t.shape(), e.getValue())) {
                    problems.add("tensor '" + name + "' has shape " + t.shapeString() + ", expected "
                            + Arrays.toString(e.getValue()) + " (hidden_size=" + config.hiddenSize()
                            + ", intermediate_size=" + config.intermediateSize() + ", vocab_size=" + config.vocabSize()
                            + ")");
                }
                source.put(e.getKey(), name);
            }
            if (!problems.isEmpty()) {
                throw new SafetensorsException(dir + ": " + problems.describe("weight problem", "weight problems",
                        "check config.json against the checkpoint"));
            }
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : source.entrySet()) {
                params.put(e.getKey(), ckpt.load(manager, e.getValue(), dtype));
            }
            return new TransformerEncoder(config, manager, dtype, params);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Random init (normal(0, std) matrices, unit LayerNorm scales, zero biases), reproducible from the seed. */
    public static TransformerEncoder randomInit(EncoderConfig config, long seed, double std, Device device,
            DataType dtype) {
        NDManager manager = Torch.manager(device);
        Random rng = new Random(seed);
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : layout(config).entrySet()) {
            String name = e.getKey();
            float[] v = new float[Math.toIntExact(TensorInfo.numel(e.getValue()))];
            if (name.endsWith("LayerNorm.weight")) {
                Arrays.fill(v, 1f);
            } else if (!name.endsWith(".bias")) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rng.nextGaussian() * std);
                }
            }
            params.put(name, manager.create(v, new Shape(e.getValue())).toType(dtype, false));
        }
        return new TransformerEncoder(config, manager, dtype, params);
    }

    /** Builds an encoder from named float arrays (for example weights imported from an ONNX export). */
    public static TransformerEncoder fromArrays(EncoderConfig config, Map<String, float[]> weights, Device device) {
        Map<String, long[]> expected = layout(config);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            float[] v = weights.get(e.getKey());
            if (v == null) {
                problems.add("missing '" + e.getKey() + "'");
            } else if (v.length != TensorInfo.numel(e.getValue())) {
                problems.add("'" + e.getKey() + "' has " + v.length + " values, expected shape "
                        + Arrays.toString(e.getValue()));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(Plural.of(problems.size(), "weight problem") + ": "
                    + String.join("; ", problems));
        }
        NDManager manager = Torch.manager(device);
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            params.put(e.getKey(), manager.create(weights.get(e.getKey()), new Shape(e.getValue())));
        }
        return new TransformerEncoder(config, manager, DataType.FLOAT32, params);
    }

    public EncoderConfig config() {
        return config;
    }

    public NDManager manager() {
        return manager;
    }

    public DataType dtype() {
        return dtype;
    }

    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /** Training turns on hidden dropout (rate {@code p}, BERT's default 0.1). */
    public void setTraining(boolean training, float p) {
        this.training = training;
        this.dropout = p;
    }

    /**
     * Last hidden state.
     *
     * @param ids (B, T) int64 token ids
     * @param typeIds (B, T) int64 token types, or null for all zeros
     * @param mask (B, T) 1 for tokens, 0 for padding
     * @return (B, T, hidden)
     */
    public NDArray forward(NDArray ids, NDArray typeIds, NDArray mask) {
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        if (t > config.maxTokens()) {
            throw new IllegalArgumentException("input has " + t + " tokens, the encoder's positions allow "
                    + config.maxTokens());
        }
        NDManager m = ids.getManager();
        NDArray mask32 = mask.toType(DataType.FLOAT32, false);
        NDArray positions;
        if (config.robertaPositions()) {
            positions = mask32.cumSum(1).mul(mask32).add(config.padTokenId()).toType(DataType.INT64, false);
        } else {
            positions = m.arange(0, (int) t).toType(DataType.INT64, false).reshape(1, t).repeat(0, b);
        }
        if (typeIds == null) {
            typeIds = m.zeros(new Shape(b, t), DataType.INT64);
        }
        NDArray x = embed(ids, "embeddings.word_embeddings.weight")
                .add(embed(positions, "embeddings.position_embeddings.weight"))
                .add(embed(typeIds, "embeddings.token_type_embeddings.weight"));
        x = drop(layerNorm(x, "embeddings.LayerNorm"));
        NDArray bias = mask32.sub(1f).mul(1e9f).reshape(b, 1, 1, t); // 0 for tokens, -1e9 for padding keys
        int heads = config.numHeads();
        int d = config.headDim();
        float scale = (float) (1 / Math.sqrt(d));
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "encoder.layer." + i + ".";
            NDArray q = linear(x, p + "attention.self.query").reshape(b, t, heads, d).transpose(0, 2, 1, 3);
            NDArray k = linear(x, p + "attention.self.key").reshape(b, t, heads, d).transpose(0, 2, 1, 3);
            NDArray v = linear(x, p + "attention.self.value").reshape(b, t, heads, d).transpose(0, 2, 1, 3);
            NDArray scores = Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)), scale);
            DataType dt = scores.getDataType();
            NDArray probs = (dt == DataType.FLOAT32 ? scores : scores.toType(DataType.FLOAT32, false)).add(bias)
                    .softmax(-1);
            if (dt != DataType.FLOAT32) {
                probs = probs.toType(dt, false);
            }
            NDArray ctx = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, config.hiddenSize());
            x = layerNorm(x.add(drop(linear(ctx, p + "attention.output.dense"))), p + "attention.output.LayerNorm");
            NDArray inter = Activation.gelu(linear(x, p + "intermediate.dense"));
            x = layerNorm(x.add(drop(linear(inter, p + "output.dense"))), p + "output.LayerNorm");
        }
        return x;
    }

    private NDArray embed(NDArray ids, String table) {
        return ids.getNDArrayInternal().embedding(ids, params.get(table), SparseFormat.DENSE).singletonOrThrow();
    }

    private NDArray linear(NDArray x, String module) {
        return x.getNDArrayInternal().linear(x, params.get(module + ".weight"), params.get(module + ".bias"))
                .singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String module) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(config.hiddenSize()), params.get(module + ".weight"),
                params.get(module + ".bias"), (float) config.layerNormEps()).singletonOrThrow();
    }

    private NDArray drop(NDArray x) {
        return training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
    }

    /** Writes config.json and model.safetensors (F32) into {@code dir}. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        params.forEach((k, v) -> entries.add(new SafetensorsWriter.Entry(k, v, DType.F32)));
        SafetensorsWriter.writeCheckpoint(dir, entries, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(),
                config.toJson());
    }

    @Override
    public void close() {
        manager.close();
    }
}
