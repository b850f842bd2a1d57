package dev.semgrpo.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.nn.KVCache;
import dev.semgrpo.model.nn.Projection;
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
            double bandwidth = readBandwidth(device);
            System.out.printf(Locale.ROOT, "memory read bandwidth (sum of a 256 MB array): %.1f GB/s%n", bandwidth);
            prefill(model, batch, nonEmbedding, matmul);
            decodeStep(model, batch, nonEmbedding, matmul, bandwidth);
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

    /** GB/s of reading a 256 MB array once (a sum): what streaming the weights through a decode step can reach. */
    static double readBandwidth(Device device) {
        try (NDManager m = Torch.manager(device)) {
            NDArray big = m.randomNormal(new Shape(64, 1024, 1024));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 6; i++) {
                long t0 = System.nanoTime();
                try (NDArray s = big.sum()) {
                    s.getFloat();
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return big.getShape().size() * 4.0 / best / 1e9;
        }
    }

    /**
     * Prefill of batch x 128 tokens, the fused forward and the unfused one (the engine before fusion), interleaved.
     * A 1024^3 matmul is timed before each prefill, so the reference also covers the part of the run the prefills
     * ran in (a virtual machine's speed drifts within a run); each path's fastest prefill is reported against the
     * fastest of those matmuls (best against best: a slow matmul never inflates a ratio), and against the run's
     * opening reference too.
     */
    static void prefill(CausalLM model, int batch, long nonEmbedding, double matmul) {
        int prompt = 128;
        double flops = 2.0 * nonEmbedding * batch * prompt;
        double beside = 0; // the fastest matmul timed between the prefills
        double[] bestSecs = {Double.MAX_VALUE, Double.MAX_VALUE}; // fused, unfused
        try (NDManager m = model.manager().newSubManager()) {
            for (int rep = 0; rep < 8; rep++) {
                int path = rep % 2;
                model.setUnfusedForward(path == 1);
                beside = Math.max(beside, matmulGflops(model.device(), 1024, 6));
                try (KVCache cache = KVCache.allocate(m, model.config(), batch, prompt + 1, model.dtype());
                        NDScope s = new NDScope()) {
                    NDArray ids = m.create(tokens(batch * prompt, rep), new Shape(batch, prompt));
                    long t0 = System.nanoTime();
                    model.forward(ids, null, null, cache, true).getFloat(0, 0, 0);
                    bestSecs[path] = Math.min(bestSecs[path], (System.nanoTime() - t0) / 1e9);
                }
            }
        } finally {
            model.setUnfusedForward(false);
        }
        for (int path = 0; path < 2; path++) {
            double tps = batch * prompt / bestSecs[path];
            System.out.printf(Locale.ROOT, "prefill%s: batch %d x %d tokens: %.0f tokens/s, %.0f%% of the matmul rate"
                    + " measured between the prefills (%.0f%% of the opening reference)%n", path == 0 ? ""
                    : " (unfused, before)", batch, prompt, tps, 100 * flops / bestSecs[path] / 1e9 / beside,
                    100 * flops / bestSecs[path] / 1e9 / matmul);
        }
    }

    /**
     * One decode step at batch {@code batch}, fused against unfused (interleaved, median of each), with the ops per
     * step counted by PyTorch's profiler, and what bounds it: its FLOPs at the matmul rate, its weight bytes at the
     * read bandwidth, and its projections alone (the same matmuls on the same weights, nothing else).
     */
    static void decodeStep(CausalLM model, int batch, long nonEmbedding, double matmul, double bandwidth) {
        ModelConfig c = model.config();
        int position = 64;
        List<List<Double>> times = List.of(new ArrayList<>(), new ArrayList<>());
        double[] ops = new double[2];
        try {
            for (int round = 0; round < 6; round++) {
                int path = round % 2;
                model.setUnfusedForward(path == 1);
                times.get(path).addAll(decodeTimes(model, batch, position, 12, round < 2 ? ops : null, path));
            }
        } finally {
            model.setUnfusedForward(false);
        }
        double fused = median(times.get(0));
        double unfused = median(times.get(1));
        double flops = 2.0 * (nonEmbedding + (double) c.vocabSize() * c.hiddenSize()) * batch
                + 4.0 * c.numLayers() * c.qDim() * (position + 6) * batch;
        double flopBound = flops / (matmul * 1e9);
        double weightBytes = 4.0 * (nonEmbedding + (double) c.vocabSize() * c.hiddenSize());
        double memoryBound = weightBytes / (bandwidth * 1e9);
        double projections = projectionsAlone(model, batch);
        System.out.printf(Locale.ROOT, "decode step, batch %d, position %d: %.2f ms, %.0f ops (before, unfused: %.2f ms,"
                + " %.0f ops): %.2fx faster%n", batch, position, fused * 1e3, ops[0], unfused * 1e3, ops[1],
                unfused / fused);
        System.out.printf(Locale.ROOT, "decode step bounds: %.2f GFLOP at the matmul rate = %.2f ms (the step is at"
                + " %.1fx; before %.1fx); %.0f MB of weights at the read bandwidth = %.2f ms (%.1fx)%n", flops / 1e9,
                flopBound * 1e3, fused / flopBound, unfused / flopBound, weightBytes / 1e6, memoryBound * 1e3,
                fused / memoryBound);
        System.out.printf(Locale.ROOT, "decode step split: the fused projections alone take %.2f ms (%.1fx the FLOP"
                + " bound, %.0f GFLOP/s); the other %.0f ops %.2f ms (%.0f us each)%n", projections * 1e3,
                projections / flopBound, 2.0 * nonEmbedding * batch / projections / 1e9,
                ops[0] - 4.0 * c.numLayers() - 1, (fused - projections) * 1e3,
                (fused - projections) / (ops[0] - 4.0 * c.numLayers() - 1) * 1e6);
    }

    /** Per-step times of {@code steps} decode steps after a prefill to {@code position}; counts ops into ops[path]. */
    private static List<Double> decodeTimes(CausalLM model, int batch, int position, int steps, double[] ops,
            int path) {
        List<Double> times = new ArrayList<>();
        try (NDManager m = model.manager().newSubManager();
                KVCache cache = KVCache.allocate(m, model.config(), batch, position + steps + 8, model.dtype())) {
            try (NDScope s = new NDScope()) {
                model.forward(m.create(tokens(batch * position, 7), new Shape(batch, position)), null, null, cache, true);
            }
            for (int i = 0; i < steps; i++) {
                try (NDScope s = new NDScope()) {
                    NDArray ids = m.create(tokens(batch, i), new Shape(batch, 1));
                    long t0 = System.nanoTime();
                    model.forward(ids, null, null, cache, true).argMax(-1).toLongArray();
                    times.add((System.nanoTime() - t0) / 1e9);
                }
            }
            if (ops != null) {
                int profiled = 3;
                Path trace = java.nio.file.Files.createTempFile("semgrpo-decode", ".json");
                try {
                    JniUtils.startProfile(false, false, false);
                    for (int i = 0; i < profiled; i++) {
                        try (NDScope s = new NDScope()) {
                            NDArray ids = m.create(tokens(batch, 100 + i), new Shape(batch, 1));
                            model.forward(ids, null, null, cache, true).argMax(-1).toLongArray();
                        }
                    }
                    JniUtils.stopProfile(trace.toString());
                    ops[path] = topLevelOps(trace) / (double) profiled;
                } finally {
                    java.nio.file.Files.deleteIfExists(trace);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return times;
    }

    /** Operations PyTorch ran at the top level (not inside another op) in a profiler trace. */
    static int topLevelOps(Path trace) throws java.io.IOException {
        com.fasterxml.jackson.databind.JsonNode events = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(trace.toFile());
        List<double[]> spans = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode e : events) {
            if ("X".equals(e.path("ph").asText())) {
                spans.add(new double[] {e.path("ts").asDouble(), e.path("dur").asDouble()});
            }
        }
        spans.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(b[1], a[1]));
        int n = 0;
        double end = Double.NEGATIVE_INFINITY;
        for (double[] sp : spans) {
            if (sp[0] >= end) {
                n++;
                end = sp[0] + sp[1];
            }
        }
        return n;
    }

    /** The decode step's projection matmuls alone, on the model's own (stacked) weights, batch rows, median. */
    private static double projectionsAlone(CausalLM model, int batch) {
        List<NDArray> weights = new ArrayList<>();
        for (NDArray w : model.trainableWeights()) {
            if (w.getShape().dimension() == 2 && w.getShape().get(0) != model.config().vocabSize()) {
                weights.add(w);
            }
        }
        List<Double> times = new ArrayList<>();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray[] inputs = new NDArray[weights.size()];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = m.randomNormal(new Shape(batch, weights.get(i).getShape().get(1)));
            }
            for (int rep = 0; rep < 24; rep++) {
                try (NDScope s = new NDScope()) {
                    long t0 = System.nanoTime();
                    NDArray last = null;
                    for (int i = 0; i < inputs.length; i++) {
                        last = Projection.apply(inputs[i], weights.get(i), null);
                    }
                    last.getFloat(0, 0);
                    if (rep >= 4) {
                        times.add((System.nanoTime() - t0) / 1e9);
                    }
                }
            }
        }
        return median(times);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        return sorted.get(sorted.size() / 2);
    }

    /** Per-token decode time with the cache filled to 32 and to 480 positions. */
    static void decodeByPosition(CausalLM model, int batch) {
        double at32 = decodeStepAt(model, batch, 32);
        double at480 = decodeStepAt(model, batch, 480);
        System.out.printf(Locale.ROOT, "decode step, batch %d: %.2f ms at position 32, %.2f ms at position 480:"
                + " ratio %.2f (KV cache target <= 1.5)%n", batch, at32 * 1e3, at480 * 1e3, at480 / at32);
        System.out.printf(Locale.ROOT, "decode: %.0f tokens/s at position 32, %.0f tokens/s at position 480%n",
                batch / at32, batch / at480);
    }

    private static double decodeStepAt(CausalLM model, int batch, int position) {
        return median(decodeTimes(model, batch, position, 24, null, 0));
    }


    /**
     * Group generation, batch/8 prompts x group 8 x 64 new tokens (top-p), and a rollout batch as the trainer runs one
     * (64 rows: 8 prompts x 8): with no adapter; with a rank-64 LoRA adapter on all seven projections, merged for the
     * call (the default); and, for the first shape, that adapter unmerged on the unfused forward (before). Rounds
     * interleaved, best of each; the merge and its exact undo are timed on their own as well.
     */
    static void generateThroughput(CausalLM model, int batch) {
        LoraConfig lora = new LoraConfig(64, 128, 0.05, List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                "up_proj", "down_proj"), false);
        double mergeMs = Double.MAX_VALUE;
        long restored = 0;
        try {
            attachTrained(model, lora);
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                try (CausalLM.AdapterMerge merge = model.mergeAdaptersForDecoding()) {
                    restored = merge.restoredElements();
                }
                mergeMs = Math.min(mergeMs, (System.nanoTime() - t0) / 1e6);
            }
        } finally {
            model.detachAdapters();
        }
        System.out.printf(Locale.ROOT, "LoRA rank 64 on all projections, merged for decoding and taken out exactly:"
                + " %.0f ms per call (%,d weight elements put back from kept values)%n", mergeMs, restored);
        int prompts = Math.max(1, batch / 8);
        // the merge's two matmuls (merge and undo) against the call's projection FLOPs: 2 x 2 r P vs 2 P rows tokens
        for (int rows : prompts == 8 ? new int[] {64} : new int[] {8 * prompts, 64}) {
            System.out.printf(Locale.ROOT, "  the merge's two matmuls (2 x 2 r P FLOPs) are %.1f%% of the projection"
                    + " FLOPs of %d rows x 64 new tokens (2 P x %d)%n", 100 * 2 * 2.0 * lora.r() / (2.0 * rows * 64),
                    rows, rows * 64);
        }
        groupGeneration(model, lora, prompts, true);
        if (prompts != 8) {
            groupGeneration(model, lora, 8, false); // one rollout batch of 64 rows
        }
    }

    /** Attaches {@code lora} with B ~ N(0, 0.005): updates about a tenth of the weights' spread, as after training. */
    private static void attachTrained(CausalLM model, LoraConfig lora) {
        List<NDArray> factors = Lora.attach(model, lora, 5);
        for (int f = 1; f < factors.size(); f += 2) {
            try (NDArray b = model.manager().randomNormal(0f, 0.005f, factors.get(f).getShape(), DataType.FLOAT32)) {
                Torch.copyInto(factors.get(f), b);
            }
        }
    }

    private static void groupGeneration(CausalLM model, LoraConfig lora, int promptCount, boolean withUnfused) {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < promptCount; i++) {
            long[] t = tokens(32, 100 + i);
            int[] p = new int[t.length];
            for (int j = 0; j < p.length; j++) {
                p[j] = (int) t[j];
            }
            prompts.add(p);
        }
        Generator gen = new Generator(model, null, Set.of(), 0);
        SamplingParams p = SamplingParams.sample(8, 64, 3).withTemperature(0.8).withTopP(0.9);
        int modes = withUnfused ? 3 : 2;
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        try {
            for (int round = 0; round < 3; round++) {
                for (int mode = 0; mode < modes; mode++) {
                    if (mode > 0) {
                        attachTrained(model, lora);
                        model.setUnfusedForward(mode == 2);
                    }
                    if (round == 0) {
                        gen.generate(prompts, p, null);
                    }
                    long t0 = System.nanoTime();
                    gen.generate(prompts, p, null);
                    best[mode] = Math.min(best[mode], (System.nanoTime() - t0) / 1e9);
                    model.setUnfusedForward(false);
                    model.detachAdapters();
                }
            }
        } finally {
            model.setUnfusedForward(false);
            model.detachAdapters();
        }
        double tokens = promptCount * 8 * 64;
        System.out.printf(Locale.ROOT, "generate: %d prompts x group 8 x 64 new tokens (top-p sampling): %.0f tokens/s"
                + " end to end; with the rank-64 LoRA adapter: %.0f tokens/s = %.2fx%s%n", promptCount,
                tokens / best[0], tokens / best[1], best[0] / best[1], withUnfused ? String.format(Locale.ROOT,
                        " (unmerged on the unfused forward, before: %.0f tokens/s = %.2fx)", tokens / best[2],
                        best[0] / best[2]) : "");
    }

    /** Full-parameter forward + backward of a cross-entropy loss; FLOPs counted as 6 x params x tokens + attention. */
    static void forwardBackward(CausalLM model, double matmul, long nonEmbedding) {
        ModelConfig c = model.config();
        int rows = 8;
        int len = 256;
        for (NDArray p : model.trainableWeights()) {
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
                model.trainableWeights().iterator().next().getGradient().getFloat(0, 0);
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
        for (NDArray p : model.trainableWeights()) {
            p.setRequiresGradient(false);
        }
    }
}
