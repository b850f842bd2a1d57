package dev.semgrpo.rewards.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.semgrpo.model.Scalars;
import dev.semgrpo.model.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The sentence-transformers pipeline around a token encoder: tokenise (specials, truncation counted), sort by
 * length and batch, run the backend, pool, apply Dense layers, normalise. Subclasses supply the token states.
 */
public abstract class PooledSentenceEncoder implements SentenceEncoder {
    protected final EncoderSpec spec;
    protected final EncoderTokenizer tokenizer;
    protected final NDManager torch; // PyTorch manager on the compute device
    private final int batchSize;
    private final int tokenBudget; // padded tokens per forward: batchSize x 16
    private final List<Dense> dense = new ArrayList<>();
    private int dimension = -1;

    /** A Dense module: {@code activation(x W^T + b)}. */
    private record Dense(NDArray weight, NDArray bias, boolean tanh) {
        NDArray apply(NDArray x) {
            NDArray y = x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
            return tanh ? y.tanh() : y;
        }
    }

    protected PooledSentenceEncoder(EncoderSpec spec, EncoderTokenizer tokenizer, NDManager torch, int batchSize)
            throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("encoder batch size must be >= 1, found " + batchSize);
        }
        this.spec = spec;
        this.tokenizer = tokenizer;
        this.torch = torch;
        this.batchSize = batchSize;
        this.tokenBudget = batchSize * 16;
        for (Path d : spec.dense()) {
            dense.add(loadDense(d));
        }
    }

    private Dense loadDense(Path dir) throws IOException {
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        String act = cfg.path("activation_function").asText("torch.nn.modules.activation.Tanh");
        boolean tanh = act.endsWith("Tanh");
        if (!tanh && !act.endsWith("Identity")) {
            throw new IOException(dir.resolve("config.json") + ": Dense activation '" + act + "' is not supported;"
                    + " supported: Tanh, Identity");
        }
        Path weights = dir.resolve("model.safetensors");
        if (!Files.isRegularFile(weights)) {
            throw new IOException(dir + ": no model.safetensors for the Dense module (convert pytorch_model.bin"
                    + " with safetensors' convert script)");
        }
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            NDArray w = f.load(torch, "linear.weight", DataType.FLOAT32);
            NDArray b = f.tensors().containsKey("linear.bias") ? f.load(torch, "linear.bias", DataType.FLOAT32) : null;
            return new Dense(w, b, tanh);
        }
    }

    /**
     * Token states (B, T, H) for right-padded ids; the result must belong to {@code m} (a PyTorch manager).
     *
     * @param ids (B*T) ids, row-major
     * @param mask (B*T) 1 for tokens, 0 for padding
     */
    protected abstract NDArray tokenStates(NDManager m, long[] ids, long[] mask, int rows, int len);

    @Override
    public float[][] encode(List<String> texts, String prefix) {
        String pre = prefix == null ? "" : prefix;
        long[][] tokens = tokenize(texts, pre);
        int promptTokens = promptTokens(pre);
        Integer[] order = new Integer[texts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> tokens[i].length).reversed());
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < order.length; ) {
            // longest first: the first row sets the padded length; cap rows by a padded-token budget too, so a
            // batch of mixed lengths does not spend most of its compute on padding
            int longest = Math.max(1, tokens[order[start]].length);
            int rows = Math.min(Math.min(batchSize, order.length - start), Math.max(1, tokenBudget / longest));
            long[][] batch = new long[rows][];
            for (int r = 0; r < rows; r++) {
                batch[r] = tokens[order[start + r]];
            }
            try (NDManager m = torch.newSubManager()) {
                NDArray emb = embedTokens(m, batch, promptTokens);
                float[] flat = emb.toFloatArray();
                int dim = (int) emb.getShape().get(1);
                dimension = dim;
                for (int r = 0; r < rows; r++) {
                    out[order[start + r]] = Arrays.copyOfRange(flat, r * dim, (r + 1) * dim);
                }
            }
            start += rows;
        }
        return out;
    }

    /**
     * Embeddings (texts, dim) of {@code texts} in their order, as an array of {@code m}: one batch, differentiable
     * when a gradient collector is open (used to train the encoder).
     */
    public NDArray embed(NDManager m, List<String> texts, String prefix) {
        String pre = prefix == null ? "" : prefix;
        return embedTokens(m, tokenize(texts, pre), promptTokens(pre));
    }

    private long[][] tokenize(List<String> texts, String prefix) {
        long[][] tokens = new long[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            tokens[i] = tokenizer.encode(prefix + texts.get(i));
        }
        return tokens;
    }

    private int promptTokens(String prefix) {
        return spec.includePrompt() ? 0 : tokenizer.prefixTokens(prefix);
    }

    /** Pads the rows to the longest, runs the backend, pools, applies Dense layers and normalises. */
    private NDArray embedTokens(NDManager m, long[][] batch, int promptTokens) {
        int rows = batch.length;
        int len = 0;
        for (long[] t : batch) {
            len = Math.max(len, t.length);
        }
        long[] ids = new long[rows * len];
        long[] mask = new long[rows * len];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(batch[r], 0, ids, r * len, batch[r].length);
            Arrays.fill(mask, r * len, r * len + batch[r].length, 1L);
        }
        NDArray states = tokenStates(m, ids, mask, rows, len);
        NDArray poolMask = m.create(mask, new Shape(rows, len));
        if (promptTokens > 0) {
            poolMask.set(new NDIndex(":, :{}", Math.min(promptTokens, len)), 0L);
        }
        NDArray emb = Pooling.pool(states, poolMask, spec.pooling());
        for (Dense d : dense) {
            emb = d.apply(emb);
        }
        if (spec.normalize()) {
            emb = emb.div(Scalars.maximum(emb.square().sum(new int[] {1}, true).sqrt(), 1e-12f));
        }
        return emb;
    }

    @Override
    public int dimension() {
        if (dimension < 0) {
            encode(List.of("a"), "");
        }
        return dimension;
    }

    @Override
    public long[] truncation() {
        return new long[] {tokenizer.truncatedCount(), tokenizer.seenCount()};
    }

    public EncoderTokenizer tokenizer() {
        return tokenizer;
    }

    public EncoderSpec spec() {
        return spec;
    }

    @Override
    public void close() {
        tokenizer.close();
        torch.close();
    }
}
