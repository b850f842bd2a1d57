package dev.semgrpo.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.config.RopeScaling;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/** Tiny configurations of the three families, each exercising its own options. */
final class TinyModels {
    static final int VOCAB = 96;

    private TinyModels() {
    }

    /** Llama with GQA, llama3 rope scaling and tied embeddings. */
    static ModelConfig llama() {
        return ModelConfig.builder().setArchitecture(Architecture.LLAMA).setVocabSize(VOCAB).setHiddenSize(32)
                .setIntermediateSize(48).setNumLayers(2).setNumHeads(4).optNumKvHeads(2).optHeadDim(8)
                .optRmsNormEps(1e-5).setRopeTheta(500000.0).optRopeScaling(new RopeScaling.Llama3(8.0, 1.0, 4.0, 64))
                .optTieWordEmbeddings(true).optMaxPositionEmbeddings(256).optEosTokenIds(List.of(1))
                .optBosTokenId(0).build();
    }

    /** Qwen2 with q/k/v bias, an untied head and linear rope scaling. */
    static ModelConfig qwen2() {
        return ModelConfig.builder().setArchitecture(Architecture.QWEN2).setVocabSize(VOCAB).setHiddenSize(32)
                .setIntermediateSize(64).setNumLayers(2).setNumHeads(4).optNumKvHeads(2).optHeadDim(8)
                .optRmsNormEps(1e-6).setRopeTheta(1000000.0).optRopeScaling(new RopeScaling.Linear(2.0))
                .optTieWordEmbeddings(false).optMaxPositionEmbeddings(256).optQkvBias(true)
                .optEosTokenIds(List.of(2, 3)).build();
    }

    /**
     * Qwen3 with q/k norm, head_dim not equal to hidden/heads and yarn (factor 4 over 64 positions: with head_dim 16
     * and theta 1e6 the ramp runs over dimensions 0..2, so all three regimes occur; attention factor 1.139).
     */
    static ModelConfig qwen3() {
        return ModelConfig.builder().setArchitecture(Architecture.QWEN3).setVocabSize(VOCAB).setHiddenSize(32)
                .setIntermediateSize(64).setNumLayers(3).setNumHeads(4).optNumKvHeads(1).optHeadDim(16)
                .optRmsNormEps(1e-6).setRopeTheta(1000000.0).optRopeScaling(RopeScaling.Yarn.of(4.0, 64))
                .optTieWordEmbeddings(true).optMaxPositionEmbeddings(256).optEosTokenIds(List.of(2)).build();
    }

    static List<ModelConfig> all() {
        return List.of(llama(), qwen2(), qwen3());
    }

    static CausalLM random(ModelConfig c, long seed) {
        return CausalLM.randomInit(c, seed, 0.2, Device.cpu(), DataType.FLOAT32);
    }

    /** Fills every attached adapter's B with normal(0, std) draws from {@code seed}, so the adapters do something. */
    static void randomizeB(CausalLM model, double std, long seed) {
        java.util.Random r = new java.util.Random(seed);
        for (dev.semgrpo.model.nn.Linear l : model.projections()) {
            if (l.lora() != null) {
                long[] s = l.lora().b().getShape().getShape();
                float[] v = new float[(int) (s[0] * s[1])];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) r.nextGaussian() * (float) std;
                }
                l.lora().b().set(v);
            }
        }
    }

    static Map<String, float[]> weights(CausalLM model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            out.put(e.getKey(), e.getValue().toType(DataType.FLOAT32, false).toFloatArray());
        }
        return out;
    }

    /**
     * Greedy decoding by full recompute (no KV cache, no batching), with the CTRL repetition penalty applied in Java
     * (1 = off): the oracle for the generator.
     */
    static int[] referenceGreedy(CausalLM model, int[] prompt, int steps, float penalty) {
        List<Integer> seq = new ArrayList<>();
        for (int t : prompt) {
            seq.add(t);
        }
        int[] out = new int[steps];
        try (NDManager m = NDManager.newBaseManager()) {
            for (int step = 0; step < steps; step++) {
                long[] ids = seq.stream().mapToLong(Integer::longValue).toArray();
                float[] l = model.forward(m.create(ids, new Shape(1, ids.length)), null, null, null, true)
                        .toFloatArray();
                Set<Integer> seen = new HashSet<>(seq);
                int best = -1;
                for (int v = 0; v < l.length; v++) {
                    if (penalty != 1f && seen.contains(v)) {
                        l[v] = l[v] > 0 ? l[v] / penalty : l[v] * penalty;
                    }
                    if (best < 0 || l[v] > l[best]) {
                        best = v;
                    }
                }
                out[step] = best;
                seq.add(best);
            }
        }
        return out;
    }

    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A real tokenizer shipped as test resources ({@code /<name>/tokenizer.json.gz} and
     * {@code tokenizer_config.json}), unpacked into {@code dir/<name>} and loaded.
     */
    static TextTokenizer realTokenizer(Path dir, String name) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        try (InputStream gz = new GZIPInputStream(TinyModels.class.getResourceAsStream("/" + name
                + "/tokenizer.json.gz"));
                InputStream cfg = TinyModels.class.getResourceAsStream("/" + name + "/tokenizer_config.json")) {
            Files.copy(gz, d.resolve("tokenizer.json"));
            Files.copy(cfg, d.resolve("tokenizer_config.json"));
        }
        return TextTokenizer.load(d);
    }
}
