package dev.semgrpo.rewards.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.Scalars;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.encoder.TransformerEncoder;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.optim.AdamW;
import dev.semgrpo.model.optim.Schedules;
import dev.semgrpo.rewards.encoder.NativeSentenceEncoder;
import dev.semgrpo.rewards.encoder.SentenceEncoder;
import dev.semgrpo.rewards.encoder.SentenceTransformerWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Contrastive adaptation of a sentence encoder to a new language on parallel pairs, as the paper adapts its XLM-R
 * encoder to Tibetan: MultipleNegativesRanking loss (each anchor's own positive against the batch's other
 * positives as negatives, cosine x scale, cross-entropy), optionally symmetric, AdamW with linear warmup and
 * decay. The transformer is trained; Dense layers stay frozen.
 */
public final class EmbedderTrainer {
    /** A parallel pair: a sentence and its translation. */
    public record Pair(String anchor, String positive) {
    }

    /**
     * @param epochs passes over the training pairs
     * @param batchSize pairs per step (each pair's negatives are the other positives of the batch)
     * @param lr peak learning rate
     * @param warmupRatio share of steps spent warming up
     * @param weightDecay AdamW weight decay
     * @param scale cosine similarities are multiplied by it before the softmax (sentence-transformers: 20)
     * @param symmetric also rank anchors for each positive, and average the two losses
     * @param dropout hidden dropout while training
     * @param maxGradNorm gradient clipping (<= 0: off)
     * @param seed shuffling and dropout seed
     */
    public record Config(int epochs, int batchSize, double lr, double warmupRatio, double weightDecay, double scale,
            boolean symmetric, float dropout, float maxGradNorm, long seed) {
        public Config {
            if (epochs < 1 || batchSize < 2) {
                throw new IllegalArgumentException("embedder training needs epochs >= 1 and batch_size >= 2 (in-batch"
                        + " negatives), found " + epochs + ", " + batchSize);
            }
            if (!(lr > 0) || !(warmupRatio >= 0 && warmupRatio < 1) || !(scale > 0)) {
                throw new IllegalArgumentException("need lr > 0, 0 <= warmup_ratio < 1, scale > 0; found " + lr + ", "
                        + warmupRatio + ", " + scale);
            }
        }
    }

    /** Called after every step with (step, total steps, loss, learning rate). */
    @FunctionalInterface
    public interface StepListener {
        void onStep(long step, long total, double loss, double lr);
    }

    /**
     * What training did.
     *
     * @param top1Before held-out pair retrieval accuracy before training (mean of both directions)
     * @param top1After the same after training
     * @param epochLoss mean loss of each epoch
     */
    public record Report(double top1Before, double top1After, List<Double> epochLoss, int trainPairs, int evalPairs,
            long steps, double seconds) {
    }

    private EmbedderTrainer() {
    }

    /** Pairs from JSONL: {@code anchor}/{@code positive}, or {@code source}/{@code target}. */
    public static List<Pair> readPairs(Path file) throws IOException {
        List<Pair> out = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.read(file)) {
            JsonNode n = line.node();
            JsonNode a = n.has("anchor") ? n.get("anchor") : n.get("source");
            JsonNode p = n.has("positive") ? n.get("positive") : n.get("target");
            if (a == null || p == null || !a.isTextual() || !p.isTextual() || a.asText().isBlank()
                    || p.asText().isBlank()) {
                throw new IllegalArgumentException(file + ":" + line.number() + ": needs non-empty strings"
                        + " \"anchor\" and \"positive\" (or \"source\" and \"target\")");
            }
            out.add(new Pair(a.asText(), p.asText()));
        }
        return out;
    }

    /**
     * Top-1 pair retrieval: the share of anchors whose nearest positive (cosine) is their own, averaged with the
     * reverse direction.
     */
    public static double top1(SentenceEncoder encoder, List<Pair> pairs, String prefix) {
        if (pairs.isEmpty()) {
            return Double.NaN;
        }
        float[][] a = encoder.encode(pairs.stream().map(Pair::anchor).toList(), prefix);
        float[][] p = encoder.encode(pairs.stream().map(Pair::positive).toList(), prefix);
        return (hits(a, p) + hits(p, a)) / (2.0 * pairs.size());
    }

    private static int hits(float[][] queries, float[][] keys) {
        double[] norms = new double[keys.length];
        for (int j = 0; j < keys.length; j++) {
            norms[j] = Math.sqrt(dot(keys[j], keys[j]));
        }
        int hits = 0;
        for (int i = 0; i < queries.length; i++) {
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < keys.length; j++) {
                double s = dot(queries[i], keys[j]) / Math.max(norms[j], 1e-12);
                if (s > bestScore) {
                    bestScore = s;
                    best = j;
                }
            }
            hits += best == i ? 1 : 0;
        }
        return hits;
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
        }
        return d;
    }

    /** Trains {@code encoder} in place on {@code train}; reports retrieval on {@code eval} before and after. */
    public static Report train(NativeSentenceEncoder encoder, List<Pair> train, List<Pair> eval, Config cfg,
            String prefix, StepListener listener) {
        if (train.size() < cfg.batchSize()) {
            throw new IllegalArgumentException("only " + train.size() + " training pairs for batch_size "
                    + cfg.batchSize() + "; lower the batch size or add pairs");
        }
        long t0 = System.nanoTime();
        double before = top1(encoder, eval, prefix);
        TransformerEncoder enc = encoder.encoder();
        if (enc.dtype() != DataType.FLOAT32) {
            throw new IllegalArgumentException("train the encoder in float32 (found " + enc.dtype() + ")");
        }
        List<NDArray> params = new ArrayList<>(enc.parameters().values());
        params.forEach(p -> p.setRequiresGradient(true));
        long stepsPerEpoch = train.size() / cfg.batchSize();
        long total = stepsPerEpoch * cfg.epochs();
        long warmup = Schedules.warmupSteps(total, cfg.warmupRatio());
        Random rng = new Random(cfg.seed());
        Torch.engine().setRandomSeed((int) cfg.seed());
        List<Double> epochLoss = new ArrayList<>();
        long step = 0;
        try (AdamW opt = new AdamW(params, 0.9f, 0.999f, 1e-6f, (float) cfg.weightDecay())) {
            enc.setTraining(true, cfg.dropout());
            for (int epoch = 0; epoch < cfg.epochs(); epoch++) {
                List<Pair> order = new ArrayList<>(train);
                Collections.shuffle(order, rng);
                double sum = 0;
                for (long b = 0; b < stepsPerEpoch; b++) {
                    List<Pair> batch = order.subList((int) (b * cfg.batchSize()), (int) ((b + 1) * cfg.batchSize()));
                    double loss = lossAndBackward(encoder, batch, cfg, prefix);
                    double lr = Schedules.linear(step, warmup, total, cfg.lr());
                    opt.step((float) lr, cfg.maxGradNorm());
                    step++;
                    sum += loss;
                    if (listener != null) {
                        listener.onStep(step, total, loss, lr);
                    }
                }
                epochLoss.add(sum / stepsPerEpoch);
            }
        } finally {
            enc.setTraining(false, cfg.dropout());
            params.forEach(p -> p.setRequiresGradient(false));
        }
        double after = top1(encoder, eval, prefix);
        return new Report(before, after, epochLoss, train.size(), eval.size(), step, (System.nanoTime() - t0) / 1e9);
    }

    /** MNRL on one batch: cross-entropy of scale x cos(anchor_i, positive_j) with target j = i. */
    private static double lossAndBackward(NativeSentenceEncoder encoder, List<Pair> batch, Config cfg, String prefix) {
        try (NDManager m = encoder.encoder().manager().newSubManager();
                GradientCollector gc = Torch.gradients()) {
            NDArray a = unit(encoder.embed(m, batch.stream().map(Pair::anchor).toList(), prefix));
            NDArray p = unit(encoder.embed(m, batch.stream().map(Pair::positive).toList(), prefix));
            NDArray scores = Scalars.mul(a.matMul(p.transpose()), (float) cfg.scale()); // (B, B)
            NDArray target = m.arange(0, batch.size()).toType(DataType.INT64, false).reshape(-1, 1);
            NDArray loss = scores.logSoftmax(1).gather(target, 1).mean().neg();
            if (cfg.symmetric()) {
                NDArray back = scores.transpose().logSoftmax(1).gather(target, 1).mean().neg();
                loss = Scalars.div(loss.add(back), 2f);
            }
            gc.backward(loss);
            return loss.getFloat();
        }
    }

    private static NDArray unit(NDArray x) {
        return x.div(Scalars.maximum(x.square().sum(new int[] {1}, true).sqrt(), 1e-12f));
    }

    /** Saves the trained encoder as a sentence-transformers directory with the base's pipeline. */
    public static void save(NativeSentenceEncoder encoder, Path out) throws IOException {
        var spec = encoder.spec();
        SentenceTransformerWriter.write(out, encoder.encoder(), encoder.tokenizer().file(), spec.pooling(),
                spec.dense(), spec.normalize(), spec.maxSeqLength(), spec.prompts());
    }
}
