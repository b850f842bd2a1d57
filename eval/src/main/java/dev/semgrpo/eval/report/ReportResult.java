package dev.semgrpo.eval.report;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the report found, as written to {@code report.json} (the per-token values behind the distribution
 * charts are kept for {@link Report#write} but not serialised).
 *
 * @param base the base run's folder
 * @param runs each compare model's run folder, by name, in the order given
 * @param options seed, B and confidence level
 * @param pValue how the p-values are computed
 * @param tasks every compared task, in name order
 * @param alignmentTax per general/forgetting task, metric and model: the change signed so that positive is worse
 * @param targetGains per target task, metric and model: the change signed so that positive is better
 * @param judge extra judge tasks: value and interval only
 * @param notes sample sizes, skipped tasks and metrics, signatures, and anything else a reader should know
 * @param info when and by which semgrpo version the report was written, and what each run evaluated (null in a
 *     report.json written before it was recorded)
 * @param summary the findings in plain words, one line each ({@link ReportSummary#lines})
 * @param caveats what limits those findings, one line each ({@link ReportSummary#caveats})
 * @param distributions per-token values of tasks that have them, for the charts
 */
public record ReportResult(String base, Map<String, String> runs, ReportOptions options, String pValue,
        List<TaskReport> tasks, List<Change> alignmentTax, List<Change> targetGains, List<JudgeReport> judge,
        List<String> notes, ReportInfo info, List<String> summary, List<String> caveats,
        @JsonIgnore List<TokenDistribution> distributions) {
    /** The label of the base run in tables and charts. */
    public static final String BASE = "base";

    public ReportResult {
        runs = Collections.unmodifiableMap(new LinkedHashMap<>(runs));
        tasks = List.copyOf(tasks);
        alignmentTax = List.copyOf(alignmentTax);
        targetGains = List.copyOf(targetGains);
        judge = List.copyOf(judge);
        notes = List.copyOf(notes);
        summary = summary == null ? List.of() : List.copyOf(summary); // absent from an older report.json
        caveats = caveats == null ? List.of() : List.copyOf(caveats);
        distributions = distributions == null ? List.of() : List.copyOf(distributions); // not in report.json
    }

    /** The compare models' names, in order. */
    @JsonIgnore
    public List<String> models() {
        return List.copyOf(runs.keySet());
    }

    /** The task's report, or null. */
    public TaskReport task(String name) {
        return tasks.stream().filter(t -> t.task().equals(name)).findFirst().orElse(null);
    }

    /**
     * One task compared across runs.
     *
     * @param task the task's name
     * @param category target, general, forgetting, or whatever the summary says
     * @param type the task's type
     * @param examples number of paired examples
     * @param models the models compared, base first
     * @param metrics one entry per metric of the base run, in its order (first primary)
     */
    public record TaskReport(String task, String category, String type, int examples, List<String> models,
            List<MetricReport> metrics) {
        public TaskReport {
            models = List.copyOf(models);
            metrics = List.copyOf(metrics);
        }

        /** The named metric, or null. */
        public MetricReport metric(String name) {
            return metrics.stream().filter(m -> m.metric().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * One metric of a task.
     *
     * @param metric the metric's name
     * @param aggregate the aggregate's kind (mean, corpus_bleu, ...)
     * @param higherIsBetter the metric's direction
     * @param signature the base run's signature, or null
     * @param values value and interval per model (base first)
     * @param deltas model - base per compare model, with interval and p-value
     */
    public record MetricReport(String metric, String aggregate, boolean higherIsBetter, String signature,
            Map<String, Estimate> values, Map<String, Delta> deltas) {
        public MetricReport {
            values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
            deltas = Collections.unmodifiableMap(new LinkedHashMap<>(deltas));
        }
    }

    /** A point value and its percentile bootstrap interval [lo, hi]. */
    public record Estimate(double value, double lo, double hi) {
    }

    /**
     * A paired difference model - base.
     *
     * @param delta the observed difference
     * @param lo lower end of its percentile interval
     * @param hi upper end
     * @param pValue two-sided paired-bootstrap p-value (see {@link Bootstrap#pValue})
     * @param significant true when the interval excludes 0
     */
    public record Delta(double delta, double lo, double hi, double pValue, boolean significant) {
    }

    /**
     * A change from the base run in a direction-aware sign: for the alignment tax positive means worse than the
     * base, for target gains positive means better.
     *
     * @param task the task
     * @param category its category
     * @param metric the metric
     * @param model the compare model
     * @param baseValue the base run's value
     * @param modelValue the model's value
     * @param change the signed change
     * @param lo lower end of its interval
     * @param hi upper end
     * @param pValue two-sided paired-bootstrap p-value
     * @param significant true when the interval excludes 0
     */
    public record Change(String task, String category, String metric, String model, double baseValue,
            double modelValue, double change, double lo, double hi, double pValue, boolean significant) {
    }

    /**
     * An extra judge task (one folder, one judged model).
     *
     * @param task the task's name
     * @param folder the task folder it was read from
     * @param model the model the summary names (with its adapter, if any)
     * @param examples number of examples
     * @param metrics value and interval of each metric (the values map has the single key {@code model})
     */
    public record JudgeReport(String task, String folder, String model, int examples, List<MetricReport> metrics) {
        public JudgeReport {
            metrics = List.copyOf(metrics);
        }
    }

    /**
     * Per-token values of one task and token kind (e.g. nll, kl), pooled over examples, per model that has them.
     *
     * @param task the task
     * @param token the per-token value's name
     * @param values per model (base first), all tokens of all examples
     */
    public record TokenDistribution(String task, String token, Map<String, float[]> values) {
        public TokenDistribution {
            values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }
    }

    /**
     * When and by what the report was written, and the identity of every compared run.
     *
     * @param created when the report was built (ISO-8601, UTC, whole seconds)
     * @param semgrpoVersion the semgrpo version that built it (the build's version resource, else "unknown")
     * @param runs base first, then the compare runs in the order given
     */
    public record ReportInfo(String created, String semgrpoVersion, List<RunIdentity> runs) {
        public ReportInfo {
            runs = List.copyOf(runs);
        }
    }

    /**
     * What one evaluation folder evaluated, from its eval.json (or, without one, its task summaries).
     *
     * @param name the run's name in the report ({@code base} or the compare name)
     * @param folder the evaluation folder
     * @param model the model directory, or the served model's name, that was evaluated ("unknown" when no file
     *     records it)
     * @param adapter the LoRA adapter applied, or null
     * @param backend where outputs were generated, or null when not recorded
     * @param evaluated when the evaluation started (ISO-8601), or null when not recorded
     * @param encoders the sentence encoders of its similarity metrics: their paths, or, for folders written before
     *     the path was recorded, the folder name its signature holds
     */
    public record RunIdentity(String name, String folder, String model, String adapter, String backend,
            String evaluated, List<String> encoders) {
        public RunIdentity {
            encoders = List.copyOf(encoders);
        }
    }
}
