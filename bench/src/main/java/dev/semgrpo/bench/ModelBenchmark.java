package dev.semgrpo.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.nn.KVCache;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * The model engine's throughput on a ~30M-parameter Qwen3-shaped model (hidden 512, 8 layers), reported as ratios
 * to the machine's own matmul rate measured in the same run. Arguments: [device] [batch].
 */
public final class ModelBenchmark {
    private ModelBenchmark() {
    }

    public static void main(String[] args) {
        Device device = args.length > 0 && args[0].startsWith("gpu") ? Device.gpu() : Device.cpu();
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        ModelConfig c = benchmarkModel();
        double matmul = matmulGflops(device);
        System.out.printf(Locale.ROOT, "device %s, PyTorch %s, %d intra-op threads%n", device,
                Torch.engine().getVersion(), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "matmul fp32 (best of 1024^3 and 2048^3): %.1f GFLOP/s (the reference rate)%n",
                matmul);
        try (CausalLM model = CausalLM.randomInit(c, 1, 0.02, device, DataType.FLOAT32)) {
            long params = model.parameterCount();
            long nonEmbedding = params - (long) c.vocabSize() * c.hiddenSize();
            System.out.printf(Locale.ROOT, "model: qwen3 hidden %d, %d layers, %,d parameters (%,d without"
                    + " embeddings)%n", c.hiddenSize(), c.numLayers(), params, nonEmbedding);
            prefillAndDecode(model, batch, nonEmbedding, matmul);
            decodeByPosition(model, batch);
            generateThroughput(model, batch);
            forwardBackward(model, matmul, nonEmbedding);
        }
    }

    /**
     * The ~30M-parameter benchmark model every benchmark runs: Qwen3-shaped, with grouped-query attention at
     * Qwen3-4B's 4:1 ratio (8 query heads over 2 KV heads) and q/k norms, over the byte-level tokenizer's vocabulary.
     */
    static ModelConfig benchmarkModel() {
        return ModelConfig.builder().setArchitecture(Architecture.QWEN3).setVocabSize(ByteLevelTokenizer.vocabSize())
                .setHiddenSize(512).setIntermediateSize(2048).setNumLayers(8).setNumHeads(8).optNumKvHeads(2)
                .optHeadDim(64).optRmsNormEps(1e-6).setRopeTheta(1e6).optTieWordEmbeddings(true)
                .optMaxPositionEmbeddings(1024).optEosTokenIds(List.of(258)).optPadTokenId(256).build();
    }

    /** Writes a random benchmark model to {@code work/model} with the byte-level tokenizer; its parameter count. */
    static long writeBenchmarkModel(Path work) throws java.io.IOException {
        ByteLevelTokenizer.write(work.resolve("tok"));
        try (CausalLM m = CausalLM.randomInit(benchmarkModel(), 1, 0.02, Device.cpu(), DataType.FLOAT32)) {
            m.save(work.resolve("model"), DType.F32, work.resolve("tok"), SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
            return m.parameterCount();
        }
    }

    /** The machine's fp32 matmul rate: the best of square products of two sizes. */
    static double matmulGflops(Device device) {
        return Math.max(matmulGflops(device, 1024, 20), matmulGflops(device, 2048, 4));
    }

    private static double matmulGflops(Device device, int n, int reps) {
        try (NDManager m = Torch.manager(device)) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            for (int i = 0; i < 2; i++) {
                a.matMul(b).close();
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                try (NDArray r = a.matMul(b)) {
                    r.getFloat(0, 0);
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            return 2.0 * n * n * (double) n * reps / secs / 1e9;
        }
    }

    private static long[] tokens(int n, long seed) {
        Random r = new Random(seed);
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(256);
        }
        return t;
    }

    static void prefillAndDecode(CausalLM model, int batch, long nonEmbedding, double matmul) {
        int prompt = 128;
        try (NDManager m = model.manager().newSubManager()) {
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < 3; rep++) {
                try (KVCache cache = KVCache.allocate(m, model.config(), batch, prompt + 1, model.dtype());
                        NDScope s = new NDScope()) {
                    NDArray ids = m.create(tokens(batch * prompt, rep), new Shape(batch, prompt));
                    long t0 = System.nanoTime();
                    model.forward(ids, null, null, cache, true).getFloat(0, 0, 0);
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
            }
            double tps = batch * prompt / best;
            System.out.printf(Locale.ROOT, "prefill: batch %d x %d tokens: %.0f tokens/s (%.0f%% of matmul rate)%n",
                    batch, prompt, tps, 100 * 2.0 * nonEmbedding * tps / 1e9 / matmul);
        }
    }

    /** Per-token decode time with the cache filled to 32 and to 480 positions. */
    static void decodeByPosition(CausalLM model, int batch) {
        double at32 = decodeStep(model, batch, 32);
        double at480 = decodeStep(model, batch, 480);
        System.out.printf(Locale.ROOT, "decode step, batch %d: %.2f ms at position 32, %.2f ms at position 480:"
                + " ratio %.2f (KV cache target <= 1.5)%n", batch, at32 * 1e3, at480 * 1e3, at480 / at32);
        System.out.printf(Locale.ROOT, "decode: %.0f tokens/s at position 32, %.0f tokens/s at position 480%n",
                batch / at32, batch / at480);
    }

    private static double decodeStep(CausalLM model, int batch, int position) {
        int steps = 24;
        try (NDManager m = model.manager().newSubManager();
                KVCache cache = KVCache.allocate(m, model.config(), batch, position + steps + 1, model.dtype())) {
            try (NDScope s = new NDScope()) {
                model.forward(m.create(tokens(batch * position, 7), new Shape(batch, position)), null, null, cache, true);
            }
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < steps; i++) {
                try (NDScope s = new NDScope()) {
                    NDArray ids = m.create(tokens(batch, i), new Shape(batch, 1));
                    long t0 = System.nanoTime();
                    model.forward(ids, null, null, cache, true).argMax(-1).toLongArray();
                    times.add((System.nanoTime() - t0) / 1e9);
                }
            }
            times.sort(Double::compare);
            return times.get(times.size() / 2);
        }
    }

    static void generateThroughput(CausalLM model, int batch) {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < batch / 8; i++) {
            long[] t = tokens(32, 100 + i);
            int[] p = new int[t.length];
            for (int j = 0; j < p.length; j++) {
                p[j] = (int) t[j];
            }
            prompts.add(p);
        }
        Generator gen = new Generator(model, null, Set.of(), 0);
        SamplingParams p = SamplingParams.sample(8, 64, 3).withTemperature(0.8).withTopP(0.9);
        gen.generate(prompts, p, null);
        long t0 = System.nanoTime();
        gen.generate(prompts, p, null);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "generate: %d prompts x group 8 x 64 new tokens (top-p sampling): %.0f"
                + " tokens/s end to end%n", prompts.size(), prompts.size() * 8 * 64 / secs);
    }

    /** Full-parameter forward + backward of a cross-entropy loss; FLOPs counted as 6 x params x tokens + attention. */
    static void forwardBackward(CausalLM model, double matmul, long nonEmbedding) {
        ModelConfig c = model.config();
        int rows = 8;
        int len = 256;
        for (NDArray p : model.parameters().values()) {
            p.setRequiresGradient(true);
        }
        List<int[]> prompts = new ArrayList<>();
        List<int[]> completions = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            long[] t = tokens(len, 200 + r);
            int[] p = new int[1];
            int[] comp = new int[len - 1];
            p[0] = (int) t[0];
            for (int j = 1; j < len; j++) {
                comp[j - 1] = (int) t[j];
            }
            prompts.add(p);
            completions.add(comp);
        }
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 4; rep++) {
            try (NDManager m = model.manager().newSubManager(); GradientCollector gc = Torch.engine()
                    .newGradientCollector()) {
                long t0 = System.nanoTime();
                LogProbScorer.Scores s = LogProbScorer.score(model, m, prompts, completions, 1.0, false);
                gc.backward(s.logprobs().sum().neg());
                model.parameters().values().iterator().next().getGradient().getFloat(0, 0);
                double secs = (System.nanoTime() - t0) / 1e9;
                if (rep > 0) {
                    best = Math.min(best, secs);
                }
            }
        }
        long tokens = (long) rows * len;
        double flops = 6.0 * nonEmbedding * tokens + 6.0 * c.vocabSize() * c.hiddenSize() * tokens
                + 12.0 * c.numLayers() * c.qDim() * len * (double) tokens / 2;
        double rate = flops / best / 1e9;
        System.out.printf(Locale.ROOT, "forward+backward: %d x %d tokens in %.2fs: %.0f tokens/s, %.1f GFLOP/s ="
                + " %.0f%% of the matmul rate (model FLOPs utilisation)%n", rows, len, best, tokens / best, rate,
                100 * rate / matmul);
        for (NDArray p : model.parameters().values()) {
            p.setRequiresGradient(false);
        }
    }
}
