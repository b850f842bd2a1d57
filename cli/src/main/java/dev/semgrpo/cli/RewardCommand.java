package dev.semgrpo.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.rewards.CombinedReward;
import dev.semgrpo.rewards.RewardFunction;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Scores completions with a reward configuration. */
@Command(name = "reward", mixinStandardHelpOptions = true,
        description = "Score records (\"completion\" and \"reference\" or \"references\", optional \"prompt\") with a"
                + " reward config; writes every component per record and prints their means. With a reward that"
                + " compares with references (semantic, chrf, bleu), a record without one is not scored: its line says"
                + " \"skipped\": \"no reference\".",
        footer = {"", "Examples:",
                "  semgrpo reward --config configs/rewards/paper.yaml --data samples.jsonl \\",
                "      --out rewards.jsonl --encoder runs/encoder \\",
                "      --calibration runs/cold-start/calibration.jsonl",
                "  semgrpo reward --config configs/rewards/ablation-chrf.yaml \\",
                "      --data samples.jsonl --out r.jsonl"})
final class RewardCommand implements Callable<Integer> {
    static final String NO_REFERENCE = "no reference";

    @Option(names = "--config", required = true, description = "reward YAML (see configs/rewards/)")
    Path config;

    @Option(names = "--data", required = true, description = "JSONL records to score")
    Path data;

    /** Output JSONL: index, reward and every component. */
    @Mixin
    OutputFile out;

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
        out.check(new OutputPaths.Input("--config", config), new OutputPaths.Input("--data", data),
                new OutputPaths.Input("--encoder", encoder), new OutputPaths.Input("--calibration", calibration));
        RewardConfig cfg = RewardConfig.load(config).withEncoderPath(encoder).withCalibration(calibration);
        List<RewardSample> samples = new ArrayList<>();
        List<String> where = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.read(data)) {
            where.add(data + ":" + line.number());
            samples.add(RewardSamples.fromJson(line.node(), where.get(where.size() - 1)));
        }
        Path base = config.toAbsolutePath().getParent();
        try (RewardStack stack = RewardStack.build(cfg, base)) {
            stack.taus().forEach((k, v) -> System.out.println(k + ": " + (stack.calibrations().containsKey(k)
                    ? stack.calibrations().get(k).describe() : String.format(java.util.Locale.ROOT, "tau = %.4f", v))));
            // a record without a reference cannot be scored by a reward that compares with one: it is not scored
            List<String> needing = stack.reward().parts().stream().map(CombinedReward.Weighted::function)
                    .filter(RewardFunction::needsReferences).map(RewardFunction::name).toList();
            List<Integer> scored = new ArrayList<>();
            List<String> unscored = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                if (needing.isEmpty() || !samples.get(i).usableReferences().isEmpty()) {
                    scored.add(i);
                } else {
                    unscored.add(where.get(i));
                }
            }
            if (scored.isEmpty() && !samples.isEmpty()) {
                throw new IllegalArgumentException(data + ": none of the " + samples.size() + " records has a"
                        + " reference (a non-empty \"reference\" or \"references\"), and " + needing + " compare"
                        + " with references; add references, or score with a config without " + needing);
            }
            ProgressBar bar = new ProgressBar("reward", scored.size(), "records");
            ObjectNode[] records = new ObjectNode[samples.size()];
            Map<String, Double> sums = new LinkedHashMap<>();
            for (int start = 0; start < scored.size(); start += batch) {
                int end = Math.min(scored.size(), start + batch);
                List<Integer> rows = scored.subList(start, end);
                RewardOutput o = stack.reward().score(rows.stream().map(samples::get).toList());
                for (int i = 0; i < rows.size(); i++) {
                    ObjectNode rec = Jsonl.JSON.createObjectNode();
                    rec.put("index", rows.get(i));
                    for (Map.Entry<String, float[]> c : o.components().entrySet()) {
                        rec.put(c.getKey(), c.getValue()[i]);
                        sums.merge(c.getKey(), (double) c.getValue()[i], Double::sum);
                    }
                    records[rows.get(i)] = rec;
                }
                bar.update(end);
            }
            for (int i = 0; i < records.length; i++) {
                if (records[i] == null) {
                    records[i] = Jsonl.JSON.createObjectNode().put("index", i).put("skipped", NO_REFERENCE);
                }
            }
            out.write(List.of(records));
            System.out.printf("wrote %s to %s%n", Plural.of(records.length, "record"), out);
            if (!unscored.isEmpty()) {
                System.out.printf("  %d of %s %s no reference, so %s cannot score them; their output"
                        + " lines say \"skipped\": \"%s\" (%s)%n", unscored.size(), Plural.of(samples.size(), "record"),
                        unscored.size() == 1 ? "has" : "have", needing,
                        NO_REFERENCE, String.join(", ", unscored.subList(0, Math.min(5, unscored.size())))
                                + (unscored.size() > 5 ? " and " + (unscored.size() - 5) + " more" : ""));
            }
            int n = scored.size();
            sums.forEach((k, v) -> System.out.printf("  mean %-24s %.4f%s%n", k, v / n,
                    unscored.isEmpty() ? "" : " (over the " + n + " scored records)"));
            if (stack.encoder() != null) {
                long[] t = stack.encoder().truncation();
                System.out.printf("  encoder: %d of %s truncated to %d tokens%n", t[0], Plural.of(t[1], "text"),
                        stack.encoder().spec().maxSeqLength());
            }
        }
        return 0;
    }
}
