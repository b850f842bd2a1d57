package dev.semgrpo.cli;

import dev.semgrpo.eval.report.Report;
import dev.semgrpo.eval.report.ReportOptions;
import dev.semgrpo.eval.report.ReportResult;
import dev.semgrpo.model.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The alignment-tax report, rebuilt from evaluation folders without loading any model. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Compare evaluation folders against a base: per-task metrics with paired bootstrap confidence "
                + "intervals, the alignment tax on general and forgetting tasks, the gain on target-language tasks, "
                + "paired significance tests and charts. Writes report.json, report.md, a self-contained report.html "
                + "and plots/*.png, each with its plotted data as plots/*.csv. Reads only the per-example files; no "
                + "model is loaded."},
        footer = {"", "Examples:",
                "  semgrpo report --base runs/eval-base \\",
                "      --compare sft=runs/eval-sft,grpo=runs/eval-grpo --out report",
                "  semgrpo report --base runs/eval-base --compare grpo=runs/eval-grpo \\",
                "      --judge runs/judge-grpo-vs-base --resamples 2000 --seed 7 --out report"})
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--base", required = true, description = "evaluation folder of the base model")
    Path base;

    @Option(names = "--compare", required = true, split = ",", description = "NAME=DIR evaluation folders to compare "
            + "with the base, comma-separated")
    List<String> compare;

    @Option(names = "--judge", split = ",", description = "folders written by `semgrpo judge` (win rates)")
    List<Path> judge = new ArrayList<>();

    @Option(names = "--out", required = true, description = "report folder; must be new or empty (unless"
            + " --overwrite)")
    Path out;

    @Option(names = "--overwrite", description = "write the report files into --out even when it holds files")
    boolean overwrite;

    @Option(names = "--resamples", defaultValue = "1000", description = "bootstrap resamples. Default: "
            + "${DEFAULT-VALUE}.")
    int resamples;

    @Option(names = "--confidence", defaultValue = "0.95", description = "confidence level of the intervals. Default: "
            + "${DEFAULT-VALUE}.")
    double confidence;

    @Option(names = "--seed", defaultValue = "1234", description = "resampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() throws Exception {
        Map<String, Path> runs = new LinkedHashMap<>();
        for (String c : compare) {
            String[] nv = named(c, "--compare");
            if (nv[0].equals(ReportResult.BASE)) {
                throw new IllegalArgumentException("--compare: the name 'base' is the --base folder's; pick another "
                        + "name for " + nv[1]);
            }
            if (runs.put(nv[0], Path.of(nv[1])) != null) {
                throw new IllegalArgumentException("--compare names '" + nv[0] + "' twice");
            }
        }
        if (overwrite) {
            OutputPaths.requireFolder(out, "--out");
        } else {
            OutputPaths.requireNewOrEmpty(out, "--out");
        }
        ReportResult r = Report.build(base, runs, judge, new ReportOptions(seed, resamples, confidence));
        if (overwrite && Files.isDirectory(out)) {
            Report.write(r, out);
        } else {
            AtomicFiles.writeFolder(out, dir -> Report.write(r, dir));
        }
        print(r);
        System.out.println("wrote " + out.resolve("report.md") + ", " + out.resolve("report.html") + ", "
                + out.resolve("report.json") + " and " + out.resolve("plots"));
        return 0;
    }

    private static void print(ReportResult r) {
        int pct = (int) Math.round(100 * r.options().confidence());
        if (!r.targetGains().isEmpty()) {
            System.out.printf(Locale.ROOT, "target-language gain vs base (%d%% CI, paired bootstrap):%n", pct);
            r.targetGains().forEach(c -> printChange(c, r.options().resamples()));
        }
        if (!r.alignmentTax().isEmpty()) {
            System.out.printf(Locale.ROOT, "alignment tax vs base (positive = worse; %d%% CI):%n", pct);
            r.alignmentTax().forEach(c -> printChange(c, r.options().resamples()));
        }
        for (String n : r.notes()) {
            if (n.startsWith("skipped") || n.contains("missing")) {
                System.out.println("note: " + n);
            }
        }
        // the plain-words summary and caveats the files carry (docs/evaluation.md defines every line)
        if (!r.summary().isEmpty()) {
            System.out.println("summary:");
            r.summary().forEach(line -> System.out.println("  " + line));
        }
        if (!r.caveats().isEmpty()) {
            System.out.println("caveats:");
            r.caveats().forEach(line -> System.out.println("  " + line));
        }
    }

    private static void printChange(ReportResult.Change c, int resamples) {
        // p at the resampling floor prints as "< 1/B", never as a rounded 0
        System.out.printf(Locale.ROOT, "  %-22s %-12s %-8s %9.4f -> %9.4f  change %+9.4f [%+.4f, %+.4f]  p=%s%s%n",
                c.task(), c.metric(), c.model(), c.baseValue(), c.modelValue(), c.change() + 0.0, c.lo() + 0.0,
                c.hi() + 0.0, Report.formatP(c.pValue(), resamples),
                c.significant() ? " *" : "");
    }

    /** Splits NAME=DIR; errors name the option and show the expected form. */
    static String[] named(String s, String option) {
        int eq = s.indexOf('=');
        if (eq <= 0 || eq == s.length() - 1) {
            throw new IllegalArgumentException(option + " expects NAME=DIR (e.g. grpo=runs/eval-grpo), found '" + s
                    + "'");
        }
        String name = s.substring(0, eq).trim();
        if (!name.matches("[A-Za-z0-9_.+-]+")) {
            throw new IllegalArgumentException(option + ": name '" + name + "' may use letters, digits and _.+- only");
        }
        return new String[] {name, s.substring(eq + 1).trim()};
    }
}
