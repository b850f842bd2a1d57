package dev.semgrpo.bench;

import dev.semgrpo.bench.InputMutations.Kind;
import dev.semgrpo.bench.InputMutations.Mutation;
import dev.semgrpo.bench.StrictInputs.Outcome;
import dev.semgrpo.bench.StrictInputs.Verdict;
import dev.semgrpo.trainer.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The strict-input measurement (not a test): seeded mutations of a training YAML and of its JSONL data, each read
 * the way {@code semgrpo train} reads them (config, overrides, checks, then every record rendered by the tokenizer),
 * counted as clean error, unclear error, accepted with the same settings and data, accepted with other settings or
 * data, or crash.
 * Usage: {@code scripts/strict-inputs [config.yaml] [yaml-cases] [jsonl-cases] [seed]}.
 */
public final class StrictInputBenchmark {
    private StrictInputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path config = Path.of(args.length > 0 ? args[0] : "configs/tiny-debug-sft.yaml").toAbsolutePath();
        int yamlCases = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int jsonlCases = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        Path work = Files.createTempDirectory("strict-inputs");
        Settings s = (Settings) StrictInputs.training(config, List.of()).get(0);
        Path data = s.data().path();
        // the mutated config sits beside the valid one, so that its relative paths resolve alike
        String text = Files.readString(config);
        Object valid = StrictInputs.trainingWithData(config, List.of());
        Map<Kind, Map<Verdict, Integer>> yaml = new EnumMap<>(Kind.class);
        int i = 0;
        for (Mutation m : InputMutations.yaml(text, yamlCases, seed)) {
            Path mutated = config.resolveSibling(".strict-inputs-" + i++ + "-" + config.getFileName());
            try {
                Files.write(mutated, m.bytes());
                Outcome o = StrictInputs.classify(valid, mutated, () -> StrictInputs.trainingWithData(mutated,
                        List.of()));
                count(yaml, m, o);
            } finally {
                Files.deleteIfExists(mutated);
            }
        }
        Map<Kind, Map<Verdict, Integer>> jsonl = new EnumMap<>(Kind.class);
        String records = Files.readString(data);
        for (Mutation m : InputMutations.jsonl(records, jsonlCases, seed)) {
            Path mutated = work.resolve("data-" + i++ + ".jsonl");
            Files.write(mutated, m.bytes());
            Outcome o = StrictInputs.classify(valid, mutated, () -> StrictInputs.trainingWithData(config,
                    List.of("data.path=" + mutated)));
            count(jsonl, m, o);
            Files.delete(mutated);
        }
        Files.delete(work);
        System.out.println("strict inputs: " + config.getFileName() + " (" + yamlCases + " YAML mutations) and "
                + data.getFileName() + " (" + jsonlCases + " JSONL mutations), seed " + seed);
        table("YAML", yaml);
        table("JSONL", jsonl);
    }

    private static void count(Map<Kind, Map<Verdict, Integer>> counts, Mutation m, Outcome o) {
        counts.computeIfAbsent(m.kind(), k -> new EnumMap<>(Verdict.class)).merge(o.verdict(), 1, Integer::sum);
        boolean bad = o.verdict() == Verdict.CRASH || o.verdict() == Verdict.UNCLEAR
                || (o.verdict() == Verdict.CHANGED && !m.kind().mayChangeContent());
        if (bad) {
            String msg = o.message();
            System.out.println("  " + o.verdict() + " " + m.kind() + " (" + m.what().replace("\n", "\\n") + "): "
                    + msg.substring(0, Math.min(300, msg.length())));
        }
    }

    private static void table(String what, Map<Kind, Map<Verdict, Integer>> counts) {
        System.out.printf("%-6s %-14s %6s %12s %14s %12s %15s %6s%n", what, "mutation", "cases", "clean error",
                "unclear error", "same result", "changed result", "crash");
        Map<Verdict, Integer> total = new EnumMap<>(Verdict.class);
        for (Map.Entry<Kind, Map<Verdict, Integer>> e : counts.entrySet()) {
            row("", e.getKey().name().toLowerCase(), e.getValue());
            e.getValue().forEach((v, n) -> total.merge(v, n, Integer::sum));
        }
        row("", "all", total);
    }

    private static void row(String what, String kind, Map<Verdict, Integer> c) {
        int cases = c.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("%-6s %-14s %6d %12d %14d %12d %15d %6d%n", what, kind, cases,
                c.getOrDefault(Verdict.REJECTED, 0), c.getOrDefault(Verdict.UNCLEAR, 0),
                c.getOrDefault(Verdict.SAME, 0), c.getOrDefault(Verdict.CHANGED, 0), c.getOrDefault(Verdict.CRASH, 0));
    }
}
