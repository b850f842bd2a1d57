package dev.semgrpo.cli;

import dev.semgrpo.eval.report.ReportResult.Change;
import dev.semgrpo.eval.report.ReportResult;
import dev.semgrpo.pipeline.StageOutputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What the demo prints after its table: the comparisons behind the paper's claim, each with its paired bootstrap
 * interval, and for each part of the claim whether this run shows it. Every sentence is decided by the numbers it
 * names; nothing is claimed that the comparison does not show.
 *
 * <p>The parts of the claim and how each is decided:
 * <ol>
 *   <li>GRPO raises the target language above the cold start it starts from: chrF++ of GRPO minus the cold start,
 *       per target task; shown when the interval lies above 0 on some task and below 0 on none (mixed when it
 *       does both). A task where at least half of GRPO's outputs are filler ({@link DegenerateOutputs}: the
 *       length limit reached with one letter making up half of the output) does not count as a gain.</li>
 *   <li>GRPO adds no alignment tax of its own: every general and forgetting metric of GRPO against the cold start;
 *       a metric passes when its interval includes 0, when GRPO is better, or when the change is at most
 *       {@value #SMALL} of strong SFT's tax on that metric (against the base). Shown when every metric passes.</li>
 *   <li>Strong SFT pays more tax than GRPO: per metric, strong SFT's tax interval (against the base) lies wholly
 *       above GRPO's. Shown when that holds on every metric.</li>
 * </ol>
 * The cold start's own tax against the base is printed too: the paper's cold start is light, and a run whose cold
 * start already paid the tax says so.
 */
final class DemoSummary {
    /** A change counts as small against strong SFT's tax when it is at most this share of it. */
    static final double SMALL = 0.1;
    /** The metric the target-language claim is decided on (the paper's MT metric family). */
    static final String TARGET_METRIC = "chrf++";

    private DemoSummary() {
    }

    /**
     * @param report the main report (the base model as the base; runs cold_start, strong_sft, grpo)
     * @param vsCold the report with the cold start as the base and GRPO as the run, or null when missing
     * @param encoder the encoder stage's outputs, or null when the pipeline has no encoder stage
     */
    static List<String> lines(ReportResult report, ReportResult vsCold, StageOutputs.Encoded encoder) {
        return lines(report, vsCold, encoder, Map.of());
    }

    /**
     * As {@link #lines(ReportResult, ReportResult, StageOutputs.Encoded)}, with GRPO's filler outputs per target
     * task ({@code grpoFiller}: task name to count; tasks missing from it are taken as text).
     */
    static List<String> lines(ReportResult report, ReportResult vsCold, StageOutputs.Encoded encoder,
            Map<String, DegenerateOutputs> grpoFiller) {
        List<String> out = new ArrayList<>();
        out.add("What the run shows (paired bootstrap over the held-out examples, 95% intervals; * = the interval "
                + "excludes 0):");
        if (encoder != null) {
            int n = encoder.evalPairs();
            out.add(String.format(Locale.ROOT, "  reward encoder: held-out top-1 pair retrieval %.3f -> %.3f on %d "
                    + "pairs (chance %.3f)", encoder.top1Before(), encoder.top1After(), n, n > 0 ? 1.0 / n
                            : Double.NaN));
        }
        out.add("  target language, gain (positive = better):");
        for (Change c : report.targetGains()) {
            if (c.metric().equals(TARGET_METRIC)) {
                out.add("    " + row(c, c.model() + " vs base"));
            }
        }
        for (Change c : rows(vsCold, ReportResult::targetGains, "grpo")) {
            if (c.metric().equals(TARGET_METRIC)) {
                out.add("    " + row(c, "grpo vs cold_start"));
            }
        }
        out.add("  general skills and forgetting, tax (positive = worse):");
        for (Change c : report.alignmentTax()) {
            out.add("    " + row(c, c.model() + " vs base"));
        }
        for (Change c : rows(vsCold, ReportResult::alignmentTax, "grpo")) {
            out.add("    " + row(c, "grpo vs cold_start"));
        }

        out.add("");
        out.add("The paper's claim, part by part, at this toy scale:");
        if (vsCold == null) {
            out.add("  not decided: the GRPO vs cold-start report is missing (an output folder from before it existed: "
                    + "semgrpo pipeline --config <pipeline.yaml> --redo report writes it)");
            return out;
        }
        // 1. target gain over the cold start: shown where the interval lies above 0, and only claimed when no
        // target task got significantly worse
        List<String> shownOn = new ArrayList<>();
        List<String> fillerOn = new ArrayList<>();
        List<String> flat = new ArrayList<>();
        List<String> worseOn = new ArrayList<>();
        for (Change c : rows(vsCold, ReportResult::targetGains, "grpo")) {
            if (!c.metric().equals(TARGET_METRIC)) {
                continue;
            }
            String what = String.format(Locale.ROOT, "%s %+.3f [%+.3f, %+.3f]", c.task(), c.change(), c.lo(),
                    c.hi());
            DegenerateOutputs filler = grpoFiller.get(c.task());
            if (c.lo() > 0 && filler != null && filler.mostly()) {
                fillerOn.add(what + String.format(Locale.ROOT, ", but %d of %d GRPO outputs there are filler (the"
                        + " length limit reached with one letter making up half or more of the output)",
                        filler.degenerate(), filler.total()));
                continue;
            }
            (c.lo() > 0 ? shownOn : c.hi() < 0 ? worseOn : flat).add(what);
        }
        if (shownOn.isEmpty() && fillerOn.isEmpty() && flat.isEmpty() && worseOn.isEmpty()) {
            out.add("  not decided: no target task reports " + TARGET_METRIC);
        } else {
            String verdict = shownOn.isEmpty() ? "NOT SHOWN" : worseOn.isEmpty() ? "SHOWN    " : "MIXED    ";
            List<String> parts = new ArrayList<>();
            if (!shownOn.isEmpty()) {
                parts.add("higher on " + String.join("; ", shownOn));
            }
            if (!fillerOn.isEmpty()) {
                parts.add("higher only through filler on " + String.join("; ", fillerOn));
            }
            if (!worseOn.isEmpty()) {
                parts.add("lower on " + String.join("; ", worseOn));
            }
            if (!flat.isEmpty()) {
                parts.add("no significant change on " + String.join("; ", flat));
            }
            out.add("  " + verdict + " GRPO raises the target language above the cold start (" + TARGET_METRIC
                    + "): " + String.join("; ", parts));
        }
        // 2. no tax of its own
        List<String> taxed = new ArrayList<>();
        List<String> smallOnes = new ArrayList<>();
        int checked = 0;
        for (Change c : rows(vsCold, ReportResult::alignmentTax, "grpo")) {
            checked++;
            double change = c.change();
            Change sft = find(report.alignmentTax(), "strong_sft", c);
            double sftTax = sft == null ? Double.NaN : sft.change();
            boolean includesZero = c.lo() <= 0 && c.hi() >= 0;
            boolean small = sft != null && sftTax > 0 && change <= SMALL * sftTax;
            String what = String.format(Locale.ROOT, "%s %s %+.3f [%+.3f, %+.3f]%s", c.task(), c.metric(), change,
                    c.lo(), c.hi(), sft == null ? "" : String.format(Locale.ROOT, " (strong SFT's tax %+.3f)", sftTax));
            if (!(includesZero || change <= 0 || small)) {
                taxed.add(what);
            } else if (!includesZero && change > 0) {
                smallOnes.add(what);
            }
        }
        if (checked == 0) {
            out.add("  not decided: no general or forgetting task was evaluated");
        } else if (taxed.isEmpty()) {
            out.add(String.format(Locale.ROOT, "  SHOWN     GRPO adds no tax of its own: on all %d general and "
                    + "forgetting metrics its change vs the cold start has an interval that includes 0, is an "
                    + "improvement, or is at most %.0f%% of strong SFT's tax", checked, SMALL * 100)
                    + (smallOnes.isEmpty() ? "" : "; worse but small: " + String.join("; ", smallOnes)));
        } else {
            out.add("  NOT SHOWN GRPO adds no tax of its own: GRPO is worse than the cold start on " + String.join(
                    "; ", taxed));
        }
        // 3. strong SFT pays more than GRPO
        List<String> more = new ArrayList<>();
        List<String> notMore = new ArrayList<>();
        for (Change g : rows(report, ReportResult::alignmentTax, "grpo")) {
            Change s = find(report.alignmentTax(), "strong_sft", g);
            if (s == null) {
                continue;
            }
            String what = String.format(Locale.ROOT, "%s %s: strong SFT %+.3f [%+.3f, %+.3f] vs GRPO %+.3f [%+.3f, "
                    + "%+.3f]", g.task(), g.metric(), s.change(), s.lo(), s.hi(), g.change(), g.lo(), g.hi());
            (s.lo() > g.hi() ? more : notMore).add(what);
        }
        if (more.isEmpty() && notMore.isEmpty()) {
            out.add("  not decided: no strong-SFT run to compare with");
        } else if (notMore.isEmpty()) {
            out.add("  SHOWN     strong SFT pays more tax than GRPO, with intervals that do not overlap, on all "
                    + more.size() + " metrics");
        } else {
            out.add("  " + (more.isEmpty() ? "NOT SHOWN" : "PARTLY   ") + " strong SFT pays more tax than GRPO with "
                    + "intervals that do not overlap: " + (more.isEmpty() ? "" : "yes on " + more.size() + " of "
                    + (more.size() + notMore.size()) + " metrics; ") + "not on " + String.join("; ", notMore));
        }
        // the cold start's own price, which the claim assumes is small
        List<String> cold = new ArrayList<>();
        for (Change c : rows(report, ReportResult::alignmentTax, "cold_start")) {
            if (c.significant() && c.change() > 0) {
                cold.add(String.format(Locale.ROOT, "%s %s %+.3f", c.task(), c.metric(), c.change()));
            }
        }
        out.add(cold.isEmpty() ? "  note: the cold start itself shows no significant tax against the base"
                : "  note: the cold start itself already pays a tax against the base (" + String.join("; ", cold)
                        + "); the claims above are about what GRPO adds to it");
        return out;
    }

    /** The rows of {@code model} in a section of {@code report} (none when the report is missing). */
    private static List<Change> rows(ReportResult report, Function<ReportResult, List<Change>> section,
            String model) {
        return report == null ? List.of() : section.apply(report).stream().filter(c -> c.model().equals(model))
                .toList();
    }

    /** The row of {@code model} for the same task and metric as {@code like}, or null. */
    private static Change find(List<Change> rows, String model, Change like) {
        for (Change c : rows) {
            if (c.model().equals(model) && c.task().equals(like.task())
                    && c.metric().equals(like.metric())) {
                return c;
            }
        }
        return null;
    }

    private static String row(Change c, String who) {
        // + 0.0 turns -0.0 into 0.0, which %+ would print as "-0.0000"
        return String.format(Locale.ROOT, "%-22s %-40s %+9.4f [%+.4f, %+.4f]%s", who, c.task() + " "
                + c.metric(), c.change() + 0.0, c.lo() + 0.0,
                c.hi() + 0.0, c.significant() ? " *" : "");
    }
}
