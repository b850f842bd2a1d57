package dev.semgrpo.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.config.ModelConfig;
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
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A decoder-only causal LM (Llama, Qwen2, Qwen3) as DJL NDArray ops: embeddings, {@link DecoderBlock}s, final
 * RMSNorm and the LM head. Weights are HF-named; {@link #load} reads a HF model directory and {@link #save} writes
 * one that transformers loads.
 */
public final class CausalLM implements AutoCloseable {
    /** Files copied beside the weights by {@link #save}, when the source directory has them. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "chat_template.jinja", "chat_template.json",
            "vocab.json", "merges.txt", "added_tokens.json", "tokenizer.model");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(CausalLM.class);
    private static final Mode HEAD = new Mode(false, false, false, 0, 0); // the LM head has no adapter

    private final ModelConfig config;
    private final ObjectNode rawConfig; // config.json as read, written back on save (null for new models)
    private final NDManager manager;
    private final DataType dtype;
    private final Map<String, NDArray> params; // HF name -> weight
    private final NDArray embedding; // (vocab, hidden)
    private final List<DecoderBlock> blocks;
    private final RMSNorm norm;
    private final Linear lmHead;
    private final RotaryEmbedding rotary;
    private final Path sourceDir;
    private final List<NDArray> storage = new ArrayList<>(); // every weight array once, stacked ones as stacked
    private final UnfusedForward.ModelLayout layout;
    private boolean adaptersEnabled = true;
    private boolean training;
    private boolean unfused;
    private boolean merged;

    private CausalLM(ModelConfig config, ObjectNode rawConfig, NDManager manager, DataType dtype,
            Map<String, NDArray> params, Path sourceDir) {
        this.config = config;
        this.rawConfig = rawConfig;
        this.manager = manager;
        this.dtype = dtype;
        this.params = params;
        this.sourceDir = sourceDir;
        this.embedding = params.get("model.embed_tokens.weight");
        this.blocks = new ArrayList<>();
        Map<String, NDArray> owner = new java.util.HashMap<>(); // HF name -> the stacked array it is a view of
        double eps = config.rmsNormEps();
        for (int i = 0; i < config.numLayers(); i++) {
            String p = WeightLayout.layer(i);
            String a = p + "self_attn.";
            String m = p + "mlp.";
            FusedLinear qkv = fused(owner, a + "q_proj", a + "k_proj", a + "v_proj");
            NDArray qkNorm = config.architecture().hasQkNorm()
                    ? stack(owner, true, a + "q_norm.weight", a + "k_norm.weight") : null;
            CausalSelfAttention attn = new CausalSelfAttention(config, qkv, linear(a + "o_proj"), qkNorm);
            MLP mlp = new MLP(fused(owner, m + "gate_proj", m + "up_proj"), linear(m + "down_proj"));
            blocks.add(new DecoderBlock(new RMSNorm(params.get(p + "input_layernorm.weight"), eps), attn,
                    new RMSNorm(params.get(p + "post_attention_layernorm.weight"), eps), mlp));
        }
        this.norm = new RMSNorm(params.get("model.norm.weight"), eps);
        this.lmHead = new Linear("lm_head", config.tieWordEmbeddings() ? embedding : params.get("lm_head.weight"), null);
        this.rotary = new RotaryEmbedding(manager, config, dtype);
        java.util.Set<NDArray> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (String name : params.keySet()) {
            NDArray a = owner.getOrDefault(name, params.get(name));
            if (seen.add(a)) {
                storage.add(a);
            }
        }
        this.layout = new UnfusedForward.ModelLayout(config.numHeads(), config.numKvHeads(), config.headDim(),
                (float) eps);
    }

    /** The projections {@code modules} as one {@link FusedLinear}; their weights (and biases) become its views. */
    private FusedLinear fused(Map<String, NDArray> owner, String... modules) {
        String[] weights = new String[modules.length];
        String[] biases = new String[modules.length];
        for (int j = 0; j < modules.length; j++) {
            weights[j] = modules[j] + ".weight";
            biases[j] = modules[j] + ".bias";
        }
        NDArray w = stack(owner, false, weights);
        NDArray b = params.containsKey(biases[0]) ? stack(owner, false, biases) : null;
        Linear[] members = new Linear[modules.length];
        for (int j = 0; j < modules.length; j++) {
            members[j] = linear(modules[j]);
        }
        return new FusedLinear(members, w, b);
    }

    /**
     * Replaces the tensors {@code names} by one array of them stacked along a new first axis ({@code newAxis}) or
     * concatenated along the first, and puts views of it in their place: the tensors are read and copied once, at
     * load, and the stacked array is what the forward and the optimizer use.
     */
    private NDArray stack(Map<String, NDArray> owner, boolean newAxis, String... names) {
        NDList parts = new NDList(names.length);
        for (String n : names) {
            parts.add(params.get(n));
        }
        NDArray all = newAxis ? NDArrays.stack(parts, 0) : NDArrays.concat(parts, 0);
        all.attach(manager);
        long at = 0;
        for (String n : names) {
            NDArray old = params.get(n);
            long rows = newAxis ? 1 : old.getShape().get(0);
            NDArray view = newAxis ? all.get(new NDIndex("{}", at)) : all.get(new NDIndex("{}:{}", at, at + rows));
            view.attach(manager);
            params.put(n, view);
            owner.put(n, all);
            old.close();
            at += rows;
        }
        return all;
    }

    private Linear linear(String name) {
        return new Linear(name, params.get(name + ".weight"), params.get(name + ".bias"));
    }

    /**
     * Loads {@code dir} (config.json + safetensors) onto {@code device} in {@code dtype} (FP32 or FP16). All missing
     * and mis-shaped tensors are reported in one error, each with the shape the config implies.
     */
    public static CausalLM load(Path dir, Device device, DataType dtype) throws IOException {
        checkDtype(dtype);
        ModelDirectory.require(dir);
        ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
        ObjectNode raw = ModelConfig.readJson(dir.resolve("config.json"));
        NDManager manager = Torch.manager(device);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            Problems problems = new Problems();
            int present = layersIn(ckpt.names());
            if (config.numLayers() > present) {
                problems.add("num_hidden_layers=" + config.numLayers() + " but the checkpoint holds "
                        + Plural.of(present, "layer") + (present == 0 ? "" : " (model.layers.0 to model.layers."
                        + (present - 1) + ")")
                        + "; set num_hidden_layers to " + present + " or use the checkpoint made for this config");
            }
            // the layers the checkpoint can hold: a config claiming a million layers is one problem, not millions
            Map<String, long[]> expected = WeightLayout.expected(config, Math.min(config.numLayers(), present));
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                if (!ckpt.contains(e.getKey())) {
                    problems.add("missing tensor '" + e.getKey() + "', expected shape " + Arrays.toString(e.getValue())
                            + " (" + WeightLayout.explain(e.getKey(), config) + ")");
                    continue;
                }
                TensorInfo t = ckpt.info(e.getKey());
                if (!Arrays.equals(t.shape(), e.getValue())) {
                    problems.add("tensor '" + e.getKey() + "' has shape " + t.shapeString() + ", expected "
                            + Arrays.toString(e.getValue()) + " (" + WeightLayout.explain(e.getKey(), config) + ")");
                } else if (!t.dtype().isFloat()) {
                    problems.add("tensor '" + e.getKey() + "' has dtype " + t.dtype() + ", expected F32, F16 or BF16");
                }
            }
            List<String> unused = new ArrayList<>();
            for (String name : ckpt.names()) {
                if (expected.containsKey(name) || name.endsWith("rotary_emb.inv_freq")
                        || (name.equals("lm_head.weight") && config.tieWordEmbeddings())) {
                    continue;
                }
                int layer = layerOf(name);
                if (layer >= config.numLayers()) {
                    problems.add("tensor '" + name + "' belongs to layer " + layer + " but num_hidden_layers="
                            + config.numLayers());
                } else {
                    unused.add(name);
                }
            }
            if (!unused.isEmpty()) {
                LOG.warn("{}: {} not used by {}: {}", dir, Plural.of(unused.size(), "checkpoint tensor"),
                        config.architecture().modelType(), unused.subList(0, Math.min(10, unused.size())));
            }
            if (!problems.isEmpty()) {
                throw new SafetensorsException(dir + ": " + problems.describe("weight problem", "weight problems",
                        "check config.json against the checkpoint"));
            }
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (String name : expected.keySet()) {
                params.put(name, ckpt.load(manager, name, dtype));
            }
            return new CausalLM(config, raw, manager, dtype, params, dir);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A randomly initialised model, reproducible from {@code seed} on any machine (values are drawn in Java):
     * matrices and biases normal(0, std), norm weights 1 + normal(0, std) so that tests see every weight at work.
     */
    public static CausalLM randomInit(ModelConfig config, long seed, double std, Device device, DataType dtype) {
        checkDtype(dtype);
        Map<String, long[]> layout = WeightLayout.expected(config);
        for (Map.Entry<String, long[]> e : layout.entrySet()) {
            long numel = TensorInfo.numel(e.getValue());
            if (numel > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' of shape "
                        + Arrays.toString(e.getValue()) + " has " + numel + " elements, more than a random init can"
                        + " fill (2^31); shrink the config (" + WeightLayout.explain(e.getKey(), config) + ")");
            }
        }
        NDManager manager = Torch.manager(device);
        Random rng = new Random(seed);
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : layout.entrySet()) {
            String name = e.getKey();
            int n = (int) TensorInfo.numel(e.getValue());
            float[] v = new float[n];
            float base = name.endsWith("norm.weight") ? 1f : 0f;
            for (int i = 0; i < n; i++) {
                v[i] = base + (float) (rng.nextGaussian() * std);
            }
            params.put(name, manager.create(v, new Shape(e.getValue())).toType(dtype, false));
        }
        return new CausalLM(config, null, manager, dtype, params, null);
    }

    /** One more than the highest {@code model.layers.N} index among {@code names}: the layers a checkpoint holds. */
    private static int layersIn(Iterable<String> names) {
        int n = 0;
        for (String name : names) {
            n = Math.max(n, layerOf(name) + 1);
        }
        return n;
    }

    /** The layer index of {@code model.layers.N.*}, or -1. */
    private static int layerOf(String name) {
        String p = "model.layers.";
        if (!name.startsWith(p)) {
            return -1;
        }
        int end = name.indexOf('.', p.length());
        try {
            return Integer.parseInt(name.substring(p.length(), end < 0 ? name.length() : end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void checkDtype(DataType dtype) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("compute dtype must be float32 or float16, found " + dtype
                    + " (bfloat16 arrays abort DJL's PyTorch engine; bf16 checkpoints are converted on load)");
        }
    }

    public ModelConfig config() {
        return config;
    }

    public NDManager manager() {
        return manager;
    }

    public Device device() {
        return manager.getDevice();
    }

    public DataType dtype() {
        return dtype;
    }

    /** The directory this model was loaded from, or null. */
    public Path sourceDir() {
        return sourceDir;
    }

    /**
     * Base weights by HF name (live arrays; do not close). q/k/v and gate/up (and their biases, and Qwen3's q/k norms)
     * are views of the stacked arrays the forward runs on: reading them, or writing them in place, reads or writes
     * the model. Train {@link #trainableWeights()} instead, since gradients reach the stacked arrays, not the views.
     */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /**
     * Every weight array once, in checkpoint order, with the stacked projections (q/k/v, gate/up) as one array each:
     * what full fine-tuning trains and its optimizer state follows. Together they hold exactly the values of
     * {@link #parameters()}.
     */
    public List<NDArray> trainableWeights() {
        return Collections.unmodifiableList(storage);
    }

    public int maxPositions() {
        return rotary.maxPositions();
    }

    /** Every projection a LoRA adapter can wrap, layer by layer: q, k, v, o, gate, up, down. */
    public List<Linear> projections() {
        List<Linear> out = new ArrayList<>();
        for (DecoderBlock b : blocks) {
            out.addAll(Arrays.asList(b.attention().projections()));
            out.addAll(Arrays.asList(b.mlp().projections()));
        }
        return out;
    }

    /** Attaches {@code adapter} to the projection named {@code module} (e.g. model.layers.0.self_attn.q_proj). */
    public void attachAdapter(Linear module, LoraAdapter adapter) {
        module.attach(adapter);
    }

    /**
     * Puts {@code byModule}'s adapters on the projections of those names and takes every other projection's adapter
     * off, closing nothing: the caller owns these factors and keeps them for the next swap (a server holding several
     * adapters in memory switches between them per batch without re-reading files). An empty map gives the base
     * model. Adapters this model owns (from {@link dev.semgrpo.model.lora.Lora#load}) must be detached or merged
     * first, or their factors would be left open.
     *
     * @throws IllegalArgumentException when a name is not a projection of this model; nothing is changed then
     */
    public void useAdapters(Map<String, LoraAdapter> byModule) {
        requireUnmerged("switch adapters");
        List<Linear> all = projections();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Linear l : all) {
            names.add(l.name());
        }
        for (String name : byModule.keySet()) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("no projection named '" + name + "' in this "
                        + config.architecture().modelType() + " model of " + config.numLayers() + " layers");
            }
        }
        for (Linear l : all) {
            LoraAdapter a = byModule.get(l.name());
            if (a == null) {
                l.release();
            } else {
                l.attach(a);
            }
        }
    }

    /** Whether attached adapters take part in the forward; off makes this model its own reference model. */
    public boolean adaptersEnabled() {
        return adaptersEnabled;
    }

    public void setAdaptersEnabled(boolean enabled) {
        if (!enabled) {
            requireUnmerged("turn adapters off");
        }
        this.adaptersEnabled = enabled;
    }

    /** Training mode turns adapter dropout on. */
    public void setTraining(boolean training) {
        this.training = training;
    }

    /** Removes every adapter (closing its factors); the model is the base model again. */
    public void detachAdapters() {
        requireUnmerged("detach adapters");
        for (Linear l : projections()) {
            l.detach();
        }
    }

    /** Folds every adapter into its base weight ({@code W + scale B A}) and removes the adapters. */
    public void mergeAdapters() {
        requireUnmerged("merge adapters for good");
        for (Linear l : projections()) {
            l.merge();
        }
    }

    /**
     * Folds every attached adapter into its base weight, in place, for as long as the returned handle is open, so that
     * decoding costs what the plain model costs and no second copy of the base weights is made; closing the handle
     * subtracts the same updates and puts back the elements the round trip would not restore, so every base weight
     * then holds exactly the value it held (bit for bit, except that a {@code -0.0} comes back as {@code +0.0}).
     * Adapters stay attached, and the forward skips them while merged. A no-op when no adapter is attached, adapters are off, or the unfused forward is selected.
     *
     * @throws IllegalStateException when already merged
     */
    public AdapterMerge mergeAdaptersForDecoding() {
        requireUnmerged("merge adapters again");
        List<Linear> with = new ArrayList<>();
        for (Linear l : projections()) {
            if (l.lora() != null) {
                with.add(l);
            }
        }
        if (!adaptersEnabled || unfused || with.isEmpty()) {
            return new AdapterMerge(null, List.of(), List.of());
        }
        NDManager keep = manager.newSubManager();
        List<Linear.Restore> restores = new ArrayList<>();
        try {
            for (Linear l : with) {
                restores.add(l.mergeReversibly(keep));
            }
        } catch (RuntimeException e) {
            for (int i = restores.size() - 1; i >= 0; i--) {
                with.get(i).unmerge(restores.get(i));
            }
            keep.close();
            throw e;
        }
        merged = true;
        return new AdapterMerge(keep, with, restores);
    }

    /** Merged adapters ({@link #mergeAdaptersForDecoding}); {@link #close} restores the base weights exactly. */
    public final class AdapterMerge implements AutoCloseable {
        private final NDManager keep;
        private final List<Linear> merged;
        private final List<Linear.Restore> restores;
        private boolean open = true;

        private AdapterMerge(NDManager keep, List<Linear> merged, List<Linear.Restore> restores) {
            this.keep = keep;
            this.merged = merged;
            this.restores = restores;
        }

        /** Projections merged. */
        public int projections() {
            return merged.size();
        }

        /** Weight elements restored from the values kept at merge time (the rest by subtracting the update). */
        public long restoredElements() {
            long n = 0;
            for (Linear.Restore r : restores) {
                n += r == null ? 0 : r.indices().getShape().get(0);
            }
            return n;
        }

        @Override
        public void close() {
            if (!open || keep == null) {
                open = false;
                return;
            }
            open = false;
            try {
                for (int i = merged.size() - 1; i >= 0; i--) {
                    merged.get(i).unmerge(restores.get(i));
                }
            } finally {
                CausalLM.this.merged = false;
                keep.close();
            }
        }
    }

    private void requireUnmerged(String what) {
        if (merged) {
            throw new IllegalStateException("cannot " + what + " while adapters are merged for decoding; close the"
                    + " AdapterMerge first");
        }
    }

    /**
     * Selects the unfused forward ({@link UnfusedForward}: seven separate projections per layer, adapters unmerged),
     * the engine's forward before fusion, kept as the oracle for differential tests and benchmarks. Off by default.
     */
    public void setUnfusedForward(boolean unfused) {
        requireUnmerged("change the forward");
        this.unfused = unfused;
    }

    /**
     * Logits (FP32) for {@code inputIds}.
     *
     * @param inputIds (B, T) int64
     * @param positions (B, T) int64 rotary positions, or null for {@code cache.length() + 0..T-1}
     * @param keyMask (B, >= S) 1 for real tokens, 0 for padding, over the cache plus these tokens; null means none
     * @param cache KV cache to read and extend, or null for a full forward
     * @param lastOnly compute logits for the last position only: (B, 1, V)
     * @return (B, T, V) or (B, 1, V)
     */
    public NDArray forward(NDArray inputIds, NDArray positions, NDArray keyMask, KVCache cache, boolean lastOnly) {
        NDArray h = hidden(inputIds, positions, keyMask, cache);
        if (lastOnly) {
            h = h.get(new NDIndex(":, -1:, :"));
        }
        return logits(h);
    }

    /** Final hidden states after the last RMSNorm, (B, T, hidden). */
    public NDArray hidden(NDArray inputIds, NDArray positions, NDArray keyMask, KVCache cache) {
        return hidden(inputIds, positions, keyMask, cache, null);
    }

    /**
     * As {@link #hidden(NDArray, NDArray, NDArray, KVCache)}, for packed rows: {@code segments} (B, T) int64 gives
     * each token its sequence within the row, and a token attends only to earlier tokens of the same segment
     * (block-diagonal causal mask). Pass per-segment positions. Not with a cache.
     */
    public NDArray hidden(NDArray inputIds, NDArray positions, NDArray keyMask, KVCache cache, NDArray segments) {
        return run(inputIds, positions, keyMask, cache, segments, null);
    }

    /** Sees the output of each stage of a forward, in order; only the diagnostic re-run passes one. */
    private interface Probe {
        /**
         * @param module HF module path of the stage, e.g. {@code model.layers.3.mlp}
         * @param input what entered the stage (null for the embedding)
         * @param output what it produced
         */
        void after(String module, NDArray input, NDArray output);
    }

    private NDArray run(NDArray inputIds, NDArray positions, NDArray keyMask, KVCache cache, NDArray segments,
            Probe probe) {
        if (segments != null && cache != null) {
            throw new IllegalArgumentException("packed segments are for full forwards, not with a KV cache");
        }
        long b = inputIds.getShape().get(0);
        long t = inputIds.getShape().get(1);
        int offset = cache == null ? 0 : cache.length();
        long s = offset + t;
        NDManager m = inputIds.getManager();
        if (!inputIds.getDevice().equals(device())) {
            throw new IllegalArgumentException("inputIds are on " + inputIds.getDevice() + " but the model is on "
                    + device() + "; create inputs with model.manager() or one of its sub-managers");
        }
        if (positions == null) {
            positions = m.arange(offset, (int) s).toType(DataType.INT64, false).reshape(1, t).repeat(0, b);
        }
        NDArray bias = attentionBias(m, keyMask, b, offset, t, s);
        if (segments != null) {
            NDArray same = segments.reshape(b, 1, t, 1).eq(segments.reshape(b, 1, 1, t)).toType(DataType.FLOAT32, false);
            bias = bias.add(same.sub(1f).mul(1e9f)); // -1e9 across segments
        }
        boolean oracle = unfused && probe == null; // the diagnostic re-run goes through the fused blocks
        NDArray[] rope = oracle ? rotary.unfusedTables(positions) : rotary.tables(positions);
        boolean adapters = adaptersEnabled && !merged;
        Mode mode = new Mode(adapters, training, !Torch.recordingGradients(), b, t);
        NDArray x = inputIds.getNDArrayInternal().embedding(inputIds, embedding, ai.djl.ndarray.types.SparseFormat.DENSE)
                .singletonOrThrow();
        if (probe != null) {
            probe.after("model.embed_tokens", null, x);
        }
        if (!oracle) {
            x = x.reshape(b * t, config.hiddenSize()); // the fused layers work on (B*T, hidden)
        }
        for (int i = 0; i < blocks.size(); i++) {
            DecoderBlock block = blocks.get(i);
            if (oracle) {
                x = UnfusedForward.layer(block, layout, x, rotary, rope, bias, cache, i, adapters, training);
            } else if (probe == null) {
                x = block.forward(x, rotary, rope, bias, cache, i, mode);
            } else {
                String layer = WeightLayout.layer(i);
                NDArray h = block.attend(x, rotary, rope, bias, cache, i, mode);
                probe.after(layer + "self_attn", x, h);
                x = block.feedForward(h, mode);
                probe.after(layer + "mlp", h, x);
            }
        }
        if (cache != null) {
            cache.advance((int) t);
        }
        NDArray out = norm.forward(oracle ? x : x.reshape(b, t, config.hiddenSize()));
        if (probe != null) {
            probe.after("model.norm", x, out);
        }
        return out;
    }

    /**
     * A diagnostic for non-finite logits: runs {@code tokens} (one row, no padding, no cache) through the model,
     * checking the output of every stage (embedding, each layer's attention and MLP, final norm, LM head), and
     * names the first whose output holds NaN or an infinity, with the largest |value| that entered it. Each check
     * pulls a value to the host, so this is for the failure path only. Returns null when every stage stays finite.
     */
    public String firstNonFinite(int[] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("the diagnostic forward needs at least one token");
        }
        String[] found = new String[1];
        Probe probe = (module, input, output) -> {
            if (found[0] == null && !finite(output)) {
                found[0] = module + (input == null ? "" : String.format(java.util.Locale.ROOT,
                        " (largest |value| entering it: %.4g; %s)", maxAbs(input), dtype == DataType.FLOAT16
                                ? "float16 holds at most 65504" : "float32 holds at most 3.4e38"));
            }
        };
        try (NDManager m = manager.newSubManager()) {
            long[] ids = Arrays.stream(tokens).asLongStream().toArray();
            NDArray h = run(m.create(ids, new Shape(1, ids.length)), null, null, null, null, probe);
            NDArray logits = lmHead.forward(h, HEAD);
            probe.after("lm_head", h, logits);
        }
        return found[0];
    }

    private static boolean finite(NDArray x) {
        return !x.isNaN().logicalOr(x.isInfinite()).any().getBoolean();
    }

    private static double maxAbs(NDArray x) {
        return x.abs().max().toType(DataType.FLOAT32, false).getFloat();
    }

    /** LM head in FP32: (..., hidden) to (..., V). */
    public NDArray logits(NDArray hidden) {
        NDArray out = unfused ? lmHead.forwardUnfused(hidden, false, false) : lmHead.forward(hidden, HEAD);
        return out.getDataType() == DataType.FLOAT32 ? out : out.toType(DataType.FLOAT32, false);
    }

    /**
     * Additive attention mask (B or 1, 1, T, S): 0 where query t (at cache index offset+t) may see key s (causal,
     * and the key is not padding), -1e9 elsewhere. A fully masked row (a left-pad query) stays finite.
     */
    static NDArray attentionBias(NDManager m, NDArray keyMask, long b, int offset, long t, long s) {
        NDArray queries = m.arange(offset, offset + (int) t).reshape(t, 1);
        NDArray keys = m.arange((int) s).reshape(1, s);
        NDArray allowed = keys.lte(queries).toType(DataType.FLOAT32, false).reshape(1, 1, t, s);
        if (keyMask != null) {
            if (keyMask.getShape().get(1) < s) {
                throw new IllegalArgumentException("keyMask covers " + keyMask.getShape().get(1)
                        + " keys, the forward needs " + s);
            }
            NDArray km = keyMask.get(new NDIndex(":, :{}", s)).toType(DataType.FLOAT32, false).reshape(b, 1, 1, s);
            allowed = allowed.mul(km);
        }
        return allowed.sub(1f).mul(1e9f);
    }

    /**
     * Writes a HF model directory: config.json, safetensors (sharded past {@code maxShardBytes}) stored as
     * {@code storeAs}, and the tokenizer files of {@code tokenizerDir} (or the source directory). Adapters are not
     * part of the base weights: merge them first, or save them with the PEFT writer.
     */
    public void save(Path dir, DType storeAs, Path tokenizerDir, long maxShardBytes) throws IOException {
        if (storeAs != DType.F32 && storeAs != DType.F16 && storeAs != DType.BF16) {
            throw new IllegalArgumentException("weights are stored as F32, F16 or BF16, found " + storeAs);
        }
        Files.createDirectories(dir);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            entries.add(new SafetensorsWriter.Entry(e.getKey(), e.getValue(), storeAs));
        }
        SafetensorsWriter.writeCheckpoint(dir, entries, maxShardBytes);
        String torchDtype = switch (storeAs) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        };
        ObjectNode cfg = rawConfig != null ? rawConfig.deepCopy() : config.toJson(torchDtype);
        cfg.put("torch_dtype", torchDtype);
        Path tmp = dir.resolve("config.json.tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), cfg);
        Files.move(tmp, dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Path tok = tokenizerDir != null ? tokenizerDir : sourceDir;
        if (tok != null && !tok.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
            for (String f : TOKENIZER_FILES) {
                if (Files.isRegularFile(tok.resolve(f))) {
                    Files.copy(tok.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** {@link #save(Path, DType, Path, long)} as F32 with transformers' default shard size. */
    public void save(Path dir) throws IOException {
        save(dir, DType.F32, null, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
    }

    /** Parameter count of the base model (tied embeddings counted once). */
    public long parameterCount() {
        long n = 0;
        for (NDArray a : params.values()) {
            n += a.getShape().size();
        }
        return n;
    }

    @Override
    public void close() {
        manager.close();
    }
}
