package dev.semgrpo.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.AtomicFiles;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.YamlConfig;
import dev.semgrpo.model.encoder.EncoderConfig;
import dev.semgrpo.rewards.encoder.NativeSentenceEncoder;
import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import dev.semgrpo.rewards.encoder.Pooling;
import dev.semgrpo.rewards.encoder.SentenceTransformerWriter;
import dev.semgrpo.rewards.train.EmbedderTrainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Reward-encoder tools. */
@Command(name = "embedder", mixinStandardHelpOptions = true,
        description = "Train or import the sentence encoder behind the semantic reward.",
        subcommands = {EmbedderCommand.Train.class, EmbedderCommand.ImportOnnx.class},
        footer = {"", "Examples:",
                "  semgrpo embedder train --base runs/encoder --pairs pairs.jsonl \\",
                "      --out runs/encoder-v2",
                "  semgrpo embedder import-onnx --onnx model.onnx --tokenizer tokenizer.json \\",
                "      --heads 12 --normalize --out runs/minilm",
                "",
                "Run 'semgrpo embedder <command> --help' for its options and examples."})
final class EmbedderCommand {
    /** Contrastive fine-tuning on parallel pairs. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Adapt an encoder to a new language on parallel pairs (MultipleNegativesRanking loss with"
                    + " in-batch negatives); reports held-out top-1 pair retrieval before and after.",
            footer = {"", "Examples:",
                    "  semgrpo embedder train --base xlmr-encoder --pairs zh-bo.jsonl \\",
                    "      --out runs/encoder",
                    "  semgrpo embedder train --base runs/encoder --pairs pairs.jsonl \\",
                    "      --eval held.jsonl --epochs 3 --lr 2e-5 --batch 32 --symmetric \\",
                    "      --device gpu --out runs/encoder-v2",
                    "",
                    "Pairs: JSONL with \"anchor\"/\"positive\" (or \"source\"/\"target\")."})
    static final class Train implements Callable<Integer> {
        @Option(names = "--base", required = true, description = "encoder directory to start from")
        Path base;

        @Option(names = "--pairs", required = true, description = "training pairs (JSONL)")
        Path pairs;

        @Option(names = "--eval", description = "held-out pairs; default: --eval-fraction of --pairs")
        Path eval;

        @Option(names = "--eval-fraction", defaultValue = "0.1", description = "Default: ${DEFAULT-VALUE}.")
        double evalFraction;

        @Option(names = "--out", required = true, description = "output directory (must be new or empty)")
        Path out;

        @Option(names = "--epochs", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
        int epochs;

        @Option(names = "--batch", defaultValue = "32", description = "pairs per step. Default: ${DEFAULT-VALUE}.")
        int batch;

        @Option(names = "--lr", defaultValue = "2e-5", description = "Default: ${DEFAULT-VALUE}.")
        double lr;

        @Option(names = "--warmup-ratio", defaultValue = "0.1", description = "Default: ${DEFAULT-VALUE}.")
        double warmupRatio;

        @Option(names = "--weight-decay", defaultValue = "0.01", description = "Default: ${DEFAULT-VALUE}.")
        double weightDecay;

        @Option(names = "--scale", defaultValue = "20", description = "similarity scale. Default: ${DEFAULT-VALUE}.")
        double scale;

        @Option(names = "--symmetric", description = "also rank anchors for positives")
        boolean symmetric;

        @Option(names = "--dropout", defaultValue = "0.1", description = "Default: ${DEFAULT-VALUE}.")
        float dropout;

        @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
        long seed;

        @Mixin
        EncoderOptions encoder;

        @Override
        public Integer call() throws Exception {
            OutputPaths.requireNewOrEmpty(out, "--out");
            List<EmbedderTrainer.Pair> train = new ArrayList<>(EmbedderTrainer.readPairs(pairs));
            List<EmbedderTrainer.Pair> held;
            if (eval != null) {
                held = EmbedderTrainer.readPairs(eval);
            } else {
                if (!(evalFraction > 0 && evalFraction < 1)) {
                    throw new IllegalArgumentException("--eval-fraction must be in (0, 1), found " + evalFraction);
                }
                Collections.shuffle(train, new Random(seed));
                int n = Math.max(1, (int) Math.round(train.size() * evalFraction));
                held = new ArrayList<>(train.subList(0, n));
                train = new ArrayList<>(train.subList(n, train.size()));
            }
            EmbedderTrainer.Config cfg = new EmbedderTrainer.Config(epochs, batch, lr, warmupRatio, weightDecay, scale,
                    symmetric, dropout, 1.0f, seed);
            if (!encoder.backend.equals("native")) {
                throw new IllegalArgumentException("--backend must be native for training (ONNX exports are"
                        + " inference only; import them with semgrpo embedder import-onnx)");
            }
            try (PooledSentenceEncoder enc = encoder.open(base)) {
                String prefix = encoder.prefix(enc);
                ProgressBar bar = new ProgressBar("train", 1, "steps");
                double[] last = new double[1];
                EmbedderTrainer.Report r = EmbedderTrainer.train((NativeSentenceEncoder) enc, train, held, cfg, prefix,
                        (step, total, loss, rate) -> {
                            last[0] = loss;
                            bar.total(total);
                            bar.update(step);
                        });
                // the training report record as it is, in snake_case (top1_before, top1_after, epoch_loss, ...)
                ObjectNode report = YamlConfig.YAML.valueToTree(r);
                AtomicFiles.writeFolder(out, dir -> {
                    EmbedderTrainer.save((NativeSentenceEncoder) enc, dir);
                    Jsonl.JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("training_report.json")
                            .toFile(), report);
                });
                System.out.printf("held-out top-1 pair retrieval: %.3f -> %.3f (%s)%n", r.top1Before(),
                        r.top1After(), Plural.of(r.evalPairs(), "eval pair"));
                System.out.printf("%s in %.1fs, final loss %.4f; wrote %s%n", Plural.of(r.steps(), "step"), r.seconds(),
                        last[0],
                        out);
            }
            return 0;
        }
    }

    /** ONNX export to a native sentence-transformers directory. */
    @Command(name = "import-onnx", mixinStandardHelpOptions = true,
            description = "Read the weights of a BERT/XLM-R ONNX export and write a sentence-transformers directory"
                    + " the native encoder loads (and embedder train can fine-tune).",
            footer = {"", "Examples:",
                    "  semgrpo embedder import-onnx --onnx model.onnx --tokenizer tokenizer.json \\",
                    "      --heads 12 --normalize --out runs/minilm"})
    static final class ImportOnnx implements Callable<Integer> {
        @Option(names = "--onnx", required = true, description = "model.onnx (weights inside the file)")
        Path onnx;

        @Option(names = "--tokenizer", required = true, description = "its tokenizer.json")
        Path tokenizer;

        @Option(names = "--type", defaultValue = "bert", description = "bert, roberta or xlm-roberta. Default:"
                + " ${DEFAULT-VALUE}.")
        String type;

        @Option(names = "--heads", required = true, description = "attention heads (not stored in the weights)")
        int heads;

        @Option(names = "--eps", defaultValue = "1e-12", description = "LayerNorm epsilon (XLM-R: 1e-5). Default:"
                + " ${DEFAULT-VALUE}.")
        double eps;

        @Option(names = "--pooling", defaultValue = "mean", description = "Default: ${DEFAULT-VALUE}.")
        String pooling;

        @Option(names = "--normalize", description = "add a Normalize module")
        boolean normalize;

        @Option(names = "--max-seq-length", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
        int maxSeqLength;

        @Option(names = "--out", required = true, description = "output directory (must be new or empty)")
        Path out;

        @Override
        public Integer call() throws Exception {
            OutputPaths.requireNewOrEmpty(out, "--out");
            EncoderConfig[] c = new EncoderConfig[1];
            AtomicFiles.writeFolder(out, dir -> c[0] = SentenceTransformerWriter.importOnnx(onnx, tokenizer, type,
                    heads, eps, List.of(Pooling.parse(pooling)), normalize, maxSeqLength, dir));
            System.out.printf("wrote %s: %s, %d layers, hidden %d, vocab %d%n", out, c[0].modelType(),
                    c[0].numLayers(), c[0].hiddenSize(), c[0].vocabSize());
            return 0;
        }
    }
}
