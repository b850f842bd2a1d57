package dev.semgrpo.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.rewards.RewardOutput;
import dev.semgrpo.rewards.RewardSample;
import dev.semgrpo.rewards.config.RewardConfig;
import dev.semgrpo.rewards.config.RewardSamples;
import dev.semgrpo.rewards.config.RewardStack;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Scores completions with a reward configuration. */
@Command(name = "reward", mixinStandardHelpOptions = true,
        description = "Score records (\"completion\" and \"reference\" or \"references\", optional \"prompt\") with a"
                + " reward config; writes every component per record and prints their means.",
        footer = {"", "Examples:",
                "  semgrpo reward --config configs/rewards/paper.yaml --data samples.jsonl --out rewards.jsonl \\",
                "      --encoder runs/encoder --calibration runs/cold-start/calibration.jsonl",
                "  semgrpo reward --config configs/rewards/ablation-chrf.yaml --data samples.jsonl --out r.jsonl"})
final class RewardCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "reward YAML (see configs/rewards/)")
    Path config;

    @Option(names = "--data", required = true, description = "JSONL records to score")
    Path data;

    @Option(names = "--out", required = true, description = "output JSONL: index, reward and every component")
    Path out;

    @Option(names = "--encoder", description = "sentence encoder directory (overrides encoder.path)")
    Path encoder;

    @Option(names = "--calibration", description = "calibration JSONL for tau: auto (overrides the config)")
    Path calibration;

    @Option(names = "--batch", defaultValue = "256", description = "records scored together. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, found " + batch);
        }
        RewardConfig cfg = RewardConfig.load(config);
        List<RewardSample> samples = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.read(data)) {
            samples.add(RewardSamples.fromJson(line.node(), data + ":" + line.number()));
        }
        Path base = config.toAbsolutePath().getParent();
        try (RewardStack stack = RewardStack.build(cfg, base, encoder, calibration)) {
            stack.taus().forEach((k, v) -> System.out.printf("%s: tau = %.4f%n", k, v));
            ProgressBar bar = new ProgressBar("reward", samples.size(), "records");
            List<ObjectNode> records = new ArrayList<>();
            Map<String, Double> sums = new LinkedHashMap<>();
            for (int start = 0; start < samples.size(); start += batch) {
                int end = Math.min(samples.size(), start + batch);
                RewardOutput o = stack.reward().score(samples.subList(start, end));
                for (int i = 0; i < end - start; i++) {
                    ObjectNode rec = Jsonl.JSON.createObjectNode();
                    rec.put("index", start + i);
                    for (Map.Entry<String, float[]> c : o.components().entrySet()) {
                        rec.put(c.getKey(), c.getValue()[i]);
                        sums.merge(c.getKey(), (double) c.getValue()[i], Double::sum);
                    }
                    records.add(rec);
                }
                bar.update(end);
            }
            Jsonl.write(out, records);
            System.out.printf("wrote %d records to %s%n", records.size(), out);
            sums.forEach((k, v) -> System.out.printf("  mean %-24s %.4f%n", k, v / samples.size()));
            if (stack.encoder() != null) {
                long[] t = stack.encoder().truncation();
                System.out.printf("  encoder: %d of %d texts truncated to %d tokens%n", t[0], t[1],
                        stack.encoder().spec().maxSeqLength());
            }
        }
        return 0;
    }
}
