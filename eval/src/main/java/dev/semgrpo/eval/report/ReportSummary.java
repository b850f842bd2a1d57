package dev.semgrpo.eval.report;

import dev.semgrpo.eval.report.ReportResult.Change;
import dev.semgrpo.eval.report.ReportResult.RunIdentity;
import dev.semgrpo.eval.report.ReportResult.TaskReport;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The report's findings in plain words and the caveats that limit them, for every {@code semgrpo report} (the demo
 * adds its own claim-by-claim verdicts on top). Every line is decided by the numbers it names; docs/evaluation.md
 * lists each line and its rule.
 *
 * <p>A change is <em>significant</em> when its {@code confidence} paired-bootstrap interval excludes 0; changes are
 * listed, never summed or averaged across metrics (their scales differ).
 */
final class ReportSummary {
    /** Tasks with fewer examples get the small-sample caveat. */
    static final int SMALL_TASK = 100;

    private ReportSummary() {
    }

    /**
     * Per compare model, in the order given: one line on the target tasks (gains) and one on the general and
     * forgetting tasks (tax), each counting the metrics whose change is significantly better, significantly worse
     * or not significant, and naming the significant ones with their change and scale.
     */
    static List<String> lines(ReportResult r) {
        List<String> out = new ArrayList<>();
        String ci = percent(r) + " paired-bootstrap interval";
        out.add("A change counts as significant when its " + ci + " excludes 0; nothing is summed across metrics.");
        for (String model : r.models()) {
            List<Change> gains = r.targetGains().stream().filter(c -> c.model().equals(model)).toList();
            List<Change> tax = r.alignmentTax().stream().filter(c -> c.model().equals(model)).toList();
            out.add(model + " vs base, target tasks: " + (gains.isEmpty() ? "none compared"
                    : describe(r, gains, false)) + ".");
            out.add(model + " vs base, general and forgetting tasks: " + (tax.isEmpty() ? "none compared"
                    : describe(r, tax, true)) + ".");
        }
        for (TaskReport t : r.tasks()) {
            String c = String.valueOf(t.category());
            if (!c.equals("target") && !c.equals("general") && !c.equals("forgetting")) {
                out.add("Task " + t.task() + " has category '" + c + "': its values are in the results table, "
                        + "but it counts neither as a gain nor as a tax.");
            }
        }
        return out;
    }

    /**
     * "significantly better on 1 of 3 metrics [task metric base -> model (difference, scale)]; significantly worse
     * on 1 [...]; no significant change on 1"; better and worse by the metric's direction.
     */
    private static String describe(ReportResult r, List<Change> changes, boolean tax) {
        List<String> better = new ArrayList<>();
        List<String> worse = new ArrayList<>();
        int flat = 0;
        for (Change c : changes) {
            String what = String.format(Locale.ROOT, "%s %s %s -> %s (%s, %s)", c.task(), c.metric(),
                    ReportWriter.fmt(c.baseValue()), ReportWriter.fmt(c.modelValue()),
                    ReportWriter.signed(c.modelValue() - c.baseValue()), scale(r, c));
            if (!c.significant()) {
                flat++;
            } else if (c.change() > 0 != tax) {
                better.add(what);
            } else {
                worse.add(what);
            }
        }
        List<String> parts = new ArrayList<>();
        parts.add("significantly better on " + better.size() + " of " + changes.size() + " metrics"
                + (better.isEmpty() ? "" : " [" + String.join("; ", better) + "]"));
        parts.add("significantly worse on " + worse.size() + (worse.isEmpty() ? "" : " [" + String.join("; ", worse)
                + "]"));
        parts.add("no significant change on " + flat);
        return String.join("; ", parts);
    }

    /**
     * What limits the findings: the number of comparisons made without correction, the p-value floor of B
     * resamples, tasks with fewer than {@value #SMALL_TASK} examples, and (when a similarity metric is reported)
     * that similarity is measured by an encoder a run may have been trained on.
     */
    static List<String> caveats(ReportResult r) {
        List<String> out = new ArrayList<>();
        int k = r.alignmentTax().size() + r.targetGains().size();
        double alpha = 1 - r.options().confidence();
        if (k > 0) {
            out.add(String.format(Locale.ROOT, "Multiple comparisons: %d changes are tested, each at the %s level, "
                    + "without correction; even if no model differed from the base, about %s x %d = %.1f of them "
                    + "would be flagged by chance.", k, percent(r), trim(alpha), k, alpha * k));
        }
        int b = r.options().resamples();
        out.add("p-values come from B = " + b + " bootstrap resamples, so none can be below 1/(B + 1); a p-value at "
                + "that floor (no resample as extreme as the observed change) is shown as '< 1/B' = '"
                + ReportWriter.formatP(1.0 / (b + 1), b) + "'.");
        List<String> small = new ArrayList<>();
        for (TaskReport t : r.tasks()) {
            if (t.examples() < SMALL_TASK) {
                small.add(t.task() + " (n=" + t.examples() + ")");
            }
        }
        if (!small.isEmpty()) {
            out.add("Small samples: " + String.join(", ", small) + " ha" + (small.size() == 1 ? "s" : "ve")
                    + " fewer than " + SMALL_TASK + " examples; intervals are wide and percentile intervals can be "
                    + "too narrow at this size, so a real change can go undetected or be over-stated.");
        }
        boolean similarity = r.tasks().stream().anyMatch(t -> t.metric(Report.SIMILARITY) != null);
        if (similarity) {
            Set<String> encoders = new LinkedHashSet<>();
            if (r.info() != null) {
                for (RunIdentity id : r.info().runs()) {
                    encoders.addAll(id.encoders());
                }
            }
            out.add("Similarity is the cosine under the sentence encoder " + (encoders.isEmpty() ? "(not recorded)"
                    : String.join(", ", encoders)) + ": a run trained with that encoder as its reward (GRPO's "
                    + "semantic reward) is scored by what it optimised, so judge it on chrF/BLEU and the general "
                    + "tasks.");
        }
        return out;
    }

    /** The scale of a change's metric, by its task's metric report. */
    static String scale(ReportResult r, Change c) {
        TaskReport t = r.task(c.task());
        ReportResult.MetricReport m = t == null ? null : t.metric(c.metric());
        return MetricScale.of(c.metric(), m == null ? null : m.aggregate());
    }

    static String percent(ReportResult r) {
        return trim(100 * r.options().confidence()) + "%";
    }

    private static String trim(double v) {
        double rounded = Math.round(v * 1e9) / 1e9;
        return rounded == Math.rint(rounded) ? Long.toString((long) rounded) : Double.toString(rounded);
    }
}
