package dev.semgrpo.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.eval.report.ReportResult.Change;
import dev.semgrpo.eval.report.ReportResult.Delta;
import dev.semgrpo.eval.report.ReportResult.Estimate;
import dev.semgrpo.eval.report.ReportResult.JudgeReport;
import dev.semgrpo.eval.report.ReportResult.MetricReport;
import dev.semgrpo.eval.report.ReportResult.ReportInfo;
import dev.semgrpo.eval.report.ReportResult.RunIdentity;
import dev.semgrpo.eval.report.ReportResult.TaskReport;
import dev.semgrpo.eval.report.ReportResult.TokenDistribution;
import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.EvalInfo;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.EvalResults.TaskResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.task.Similarity;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The alignment-tax report: compares compare runs against a base run, task by task and metric by metric, from the
 * evaluation folders alone (no model is loaded). Every metric is recomputed from the per-example records with its
 * {@link Aggregate} on paired bootstrap resamples ({@link Bootstrap}); general and forgetting tasks give the
 * alignment tax (positive = worse than base), target tasks the gain (positive = better).
 *
 * <pre>{@code
 * ReportResult r = Report.build(Path.of("runs/eval-base"),
 *         Map.of("sft", Path.of("runs/eval-sft"), "grpo", Path.of("runs/eval-grpo")),
 *         List.of(), ReportOptions.defaults(0));
 * Report.write(r, Path.of("runs/report"));
 * }</pre>
 */
public final class Report {
    /** The similarity metric's name. */
    static final String SIMILARITY = "similarity";
    /** How the p-values are computed, as stated in the report. */
    public static final String P_VALUE_FORMULA = "p = (1 + #{b : |d_b - mean(d)| >= |d_obs|}) / (B + 1), "
            + "d_b = model_b - base_b on the same resample b (two-sided paired bootstrap; Koehn 2004, "
            + "Berg-Kirkpatrick et al. 2012)";

    private Report() {
    }

    /**
     * Reads the runs and computes every value, interval, difference and p-value.
     *
     * @param base the base model's evaluation folder
     * @param compare compare models' evaluation folders by name, in the order to show them (at least one)
     * @param judgeDirs extra judge task folders (or run folders holding them); reported with intervals only
     * @param options seed, number of resamples and confidence level
     * @throws IOException when a folder is missing or unreadable
     * @throws IllegalArgumentException when the runs cannot be paired: no common task, different example ids,
     *     or a metric computed differently in two runs
     */
    public static ReportResult build(Path base, Map<String, Path> compare, List<Path> judgeDirs,
            ReportOptions options) throws IOException {
        return build(base, compare, judgeDirs, options, Instant.now());
    }

    /**
     * {@link #build(Path, Map, List, ReportOptions)} with the time the report states as written (tests fix it so
     * that the same input gives the same report.json).
     */
    public static ReportResult build(Path base, Map<String, Path> compare, List<Path> judgeDirs,
            ReportOptions options, Instant created) throws IOException {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(options, "options");
        if (compare == null || compare.isEmpty()) {
            throw new IllegalArgumentException("no compare runs: give at least one as name=folder, e.g. "
                    + "grpo=runs/eval-grpo");
        }
        for (String name : compare.keySet()) {
            if (name == null || name.isBlank() || name.equals(ReportResult.BASE)) {
                throw new IllegalArgumentException("compare run name must be non-blank and not '"
                        + ReportResult.BASE + "', found '" + name + "'; rename it, e.g. sft=" + compare.get(name));
            }
        }
        Map<String, TaskResults> baseRun = EvalResults.readRun(base);
        Map<String, Map<String, TaskResults>> runs = new LinkedHashMap<>();
        Map<String, String> runPaths = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : compare.entrySet()) {
            runs.put(e.getKey(), EvalResults.readRun(e.getValue()));
            runPaths.put(e.getKey(), e.getValue().toString());
        }

        List<String> notes = new ArrayList<>();
        List<TaskReport> tasks = new ArrayList<>();
        List<Change> tax = new ArrayList<>();
        List<Change> gains = new ArrayList<>();
        List<TokenDistribution> distributions = new ArrayList<>();
        List<String> sizes = new ArrayList<>();
        List<String> signatures = new ArrayList<>();
        for (Map.Entry<String, TaskResults> te : baseRun.entrySet()) {
            String task = te.getKey();
            TaskResults b = te.getValue();
            List<String> present = new ArrayList<>();
            List<String> absent = new ArrayList<>();
            for (String model : runs.keySet()) {
                (runs.get(model).containsKey(task) ? present : absent).add(model);
            }
            if (present.isEmpty()) {
                notes.add("task '" + task + "': only in the base run (absent from " + describe(absent, compare)
                        + "); skipped");
                continue;
            }
            if (!absent.isEmpty()) {
                notes.add("task '" + task + "': absent from " + describe(absent, compare) + "; compared for "
                        + String.join(", ", present) + " only");
            }
            if (b.examples().isEmpty()) {
                notes.add("task '" + task + "': no examples in the base run; skipped");
                continue;
            }
            Map<String, List<ExampleRecord>> aligned = new LinkedHashMap<>();
            aligned.put(ReportResult.BASE, b.examples());
            Map<String, Integer> index = indexById(task, base, b.examples());
            for (String model : present) {
                TaskResults m = runs.get(model).get(task);
                aligned.put(model, align(task, base, index, b.examples(), model, compare.get(model),
                        m.examples()));
                if (!Objects.equals(m.summary().category(), b.summary().category())) {
                    notes.add("task '" + task + "': category '" + m.summary().category() + "' in run " + model
                            + " but '" + b.summary().category() + "' in the base run; the base run's is used");
                }
            }
            TaskReport report = compareTask(task, b, present, runs, aligned, options, notes, tax, gains);
            tasks.add(report);
            sizes.add(task + " n=" + b.examples().size());
            for (MetricResult m : b.summary().metrics()) {
                if (m.signature() != null) {
                    signatures.add(task + "/" + m.name() + ": " + m.signature());
                }
            }
            distributions.addAll(tokenDistributions(task, aligned));
        }
        for (String model : runs.keySet()) {
            for (String task : runs.get(model).keySet()) {
                if (!baseRun.containsKey(task)) {
                    notes.add("task '" + task + "': in run " + model + " (" + compare.get(model) + ") but not in "
                            + "the base run (" + base + "); skipped");
                }
            }
        }
        if (tasks.isEmpty()) {
            StringBuilder sb = new StringBuilder("nothing to compare: no task is in both the base run (" + base
                    + ", tasks " + baseRun.keySet() + ") and a compare run (");
            for (String model : runs.keySet()) {
                sb.append(model).append(": ").append(runs.get(model).keySet()).append("; ");
            }
            sb.setLength(sb.length() - 2);
            throw new IllegalArgumentException(sb.append("); evaluate the same tasks in every run").toString());
        }

        List<JudgeReport> judge = new ArrayList<>();
        for (Path dir : judgeDirs == null ? List.<Path>of() : judgeDirs) {
            judge.addAll(judgeTasks(dir, options, notes));
        }

        List<String> all = new ArrayList<>();
        all.add(String.format(Locale.ROOT, "bootstrap: seed %d, B = %d resamples of the examples, %s%% percentile "
                + "intervals; each task draws its own resamples (seeded by the seed and the task name), the same "
                + "for every model and metric of the task", options.seed(), options.resamples(),
                trim(100 * options.confidence())));
        all.add("p-values: " + P_VALUE_FORMULA);
        all.add("sample sizes: " + String.join(", ", sizes));
        for (String s : signatures) {
            all.add("signature " + s);
        }
        all.addAll(notes);
        List<RunIdentity> identities = new ArrayList<>();
        identities.add(identity(ReportResult.BASE, base, baseRun));
        for (String model : runs.keySet()) {
            identities.add(identity(model, compare.get(model), runs.get(model)));
        }
        ReportInfo info = new ReportInfo(created.truncatedTo(ChronoUnit.SECONDS).toString(), Provenance.version(),
                identities);
        List<String> order = List.copyOf(runs.keySet());
        tax = inRowOrder(tax, order, tasks);
        gains = inRowOrder(gains, order, tasks);
        ReportResult partial = new ReportResult(base.toString(), runPaths, options, P_VALUE_FORMULA, tasks, tax,
                gains, judge, all, info, List.of(), List.of(), distributions);
        return new ReportResult(base.toString(), runPaths, options, P_VALUE_FORMULA, tasks, tax, gains, judge, all,
                info, ReportSummary.lines(partial), ReportSummary.caveats(partial), distributions);
    }

    /**
     * The changes in the report's row order: by model in the order given, then by task (name order), then by the
     * metric's place in its task; the same order in every table, chart and summary line.
     */
    static List<Change> inRowOrder(List<Change> changes, List<String> models, List<TaskReport> tasks) {
        List<String> taskOrder = tasks.stream().map(TaskReport::task).toList();
        Comparator<Change> byModel = Comparator.comparingInt(c -> models.indexOf(c.model()));
        Comparator<Change> byTask = Comparator.comparingInt(c -> taskOrder.indexOf(c.task()));
        Comparator<Change> byMetric = Comparator.comparingInt(c -> metricIndex(tasks, c));
        List<Change> out = new ArrayList<>(changes);
        out.sort(byModel.thenComparing(byTask).thenComparing(byMetric)); // stable: ties keep their order
        return out;
    }

    private static int metricIndex(List<TaskReport> tasks, Change c) {
        for (TaskReport t : tasks) {
            if (t.task().equals(c.task())) {
                for (int i = 0; i < t.metrics().size(); i++) {
                    if (t.metrics().get(i).metric().equals(c.metric())) {
                        return i;
                    }
                }
            }
        }
        return Integer.MAX_VALUE;
    }

    /**
     * What an evaluation folder evaluated: model, adapter, backend and start time from its eval.json (model and
     * adapter from its first task summary when there is none), and the encoders of its similarity metrics.
     */
    static RunIdentity identity(String name, Path dir, Map<String, TaskResults> run) throws IOException {
        EvalInfo info = EvalInfo.read(dir);
        TaskResults first = run.isEmpty() ? null : run.values().iterator().next();
        String model = info != null && info.model() != null ? info.model()
                : first != null && first.summary().model() != null ? first.summary().model() : "unknown";
        String adapter = info != null ? info.adapter() : first == null ? null : first.summary().adapter();
        Set<String> encoders = new LinkedHashSet<>();
        for (TaskResults t : run.values()) {
            MetricResult sim = t.summary().metric(SIMILARITY);
            if (sim == null) {
                continue;
            }
            JsonNode path = t.summary().config() == null ? null
                    : t.summary().config().path("notes").path(Similarity.ENCODER_NOTE);
            if (path != null && path.isTextual()) {
                encoders.add(path.asText());
            } else if (sim.signature() != null && sim.signature().startsWith("encoder:")) {
                String folder = sim.signature().substring("encoder:".length()).split("\\|", 2)[0];
                encoders.add(folder + " (folder name only: this evaluation did not record the encoder's path)");
            } else {
                encoders.add("unknown (not recorded)");
            }
        }
        return new RunIdentity(name, dir.toString(), model, adapter, info == null ? null : info.backend(),
                info == null ? null : info.started(), List.copyOf(encoders));
    }

    /**
     * Writes report.json, report.md, report.html and plots/*.png, each with its data as plots/*.csv, into
     * {@code out} (created if missing).
     */
    public static void write(ReportResult result, Path out) throws IOException {
        ReportWriter.write(result, out);
    }

    /**
     * A p-value as the report shows it: {@code < 1/B} (e.g. {@code < 0.001} for B = 1000 resamples) at the
     * bootstrap's floor 1/(B + 1), three significant digits otherwise, n/a for NaN.
     */
    public static String formatP(double p, int resamples) {
        return ReportWriter.formatP(p, resamples);
    }

    /**
     * The result a report folder holds ({@code out/report.json}, as {@link #write} wrote it), typed; without the
     * per-token distributions, which only the charts use. An error names the file when it is missing or not a report.
     */
    public static ReportResult read(Path out) throws IOException {
        Path file = out.resolve("report.json");
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such report (semgrpo report writes it)");
        }
        try {
            return EvalResults.JSON.readValue(file.toFile(), ReportResult.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + " does not read as a report (" + String.valueOf(e.getMessage())
                    .split("\n")[0] + "); write it again with semgrpo report", e);
        }
    }

    private static TaskReport compareTask(String task, TaskResults b, List<String> present,
            Map<String, Map<String, TaskResults>> runs, Map<String, List<ExampleRecord>> aligned,
            ReportOptions options, List<String> notes, List<Change> tax, List<Change> gains) {
        String category = b.summary().category();
        boolean taxed = "general".equals(category) || "forgetting".equals(category);
        boolean target = "target".equals(category);
        List<ExampleRecord> baseEx = aligned.get(ReportResult.BASE);
        Bootstrap bs = new Bootstrap(baseEx.size(), options.resamples(), Bootstrap.taskSeed(options.seed(), task));
        List<MetricReport> metrics = new ArrayList<>();
        for (MetricResult bm : b.summary().metrics()) {
            Aggregate agg = bm.aggregate();
            double basePoint = agg.compute(baseEx);
            checkPoint(task, ReportResult.BASE, bm, basePoint, notes);
            double[] baseRep = bs.replicates(agg, baseEx);
            Map<String, Estimate> values = new LinkedHashMap<>();
            Map<String, Delta> deltas = new LinkedHashMap<>();
            values.put(ReportResult.BASE, estimate(basePoint, baseRep, options));
            for (String model : present) {
                MetricResult mm = runs.get(model).get(task).summary().metric(bm.name());
                if (mm == null) {
                    notes.add("task '" + task + "', metric '" + bm.name() + "': absent from run " + model
                            + "; not compared");
                    continue;
                }
                if (!mm.aggregate().equals(agg) || mm.higherIsBetter() != bm.higherIsBetter()) {
                    throw new IllegalArgumentException("task '" + task + "', metric '" + bm.name() + "' is "
                            + "computed differently in the base run (" + agg + ", higherIsBetter="
                            + bm.higherIsBetter() + ") and in run " + model + " (" + mm.aggregate()
                            + ", higherIsBetter=" + mm.higherIsBetter() + "); evaluate both runs with the same "
                            + "task configuration");
                }
                if (!Objects.equals(mm.signature(), bm.signature())) {
                    notes.add("task '" + task + "', metric '" + bm.name() + "': signature '" + mm.signature()
                            + "' in run " + model + " differs from the base run's '" + bm.signature() + "'");
                }
                List<ExampleRecord> ex = aligned.get(model);
                double point = agg.compute(ex);
                checkPoint(task, model, mm, point, notes);
                double[] rep = bs.replicates(agg, ex);
                values.put(model, estimate(point, rep, options));
                double[] d = Bootstrap.difference(rep, baseRep);
                double delta = point - basePoint;
                double[] ci = Bootstrap.percentileInterval(d, options.confidence());
                double p = Bootstrap.pValue(d, delta);
                deltas.put(model, new Delta(delta, ci[0], ci[1], p, excludesZero(ci[0], ci[1])));
                if (taxed || target) {
                    // tax: positive = worse; gain: positive = better
                    boolean flip = taxed == bm.higherIsBetter();
                    double s = flip ? -1 : 1;
                    double lo = flip ? -ci[1] : ci[0];
                    double hi = flip ? -ci[0] : ci[1];
                    Change c = new Change(task, category, bm.name(), model, basePoint, point, s * delta, lo, hi, p,
                            excludesZero(lo, hi));
                    (taxed ? tax : gains).add(c);
                }
            }
            metrics.add(new MetricReport(bm.name(), kind(agg), bm.higherIsBetter(), bm.signature(), values,
                    deltas));
        }
        // metrics the base run lacks: KL to the base is 0 for the base itself; others are shown without a delta
        Map<String, MetricReport> extra = new LinkedHashMap<>();
        for (String model : present) {
            for (MetricResult mm : runs.get(model).get(task).summary().metrics()) {
                if (b.summary().metric(mm.name()) != null) {
                    continue;
                }
                List<ExampleRecord> ex = aligned.get(model);
                double point = mm.aggregate().compute(ex);
                checkPoint(task, model, mm, point, notes);
                double[] rep = bs.replicates(mm.aggregate(), ex);
                MetricReport prev = extra.get(mm.name());
                Map<String, Estimate> values = new LinkedHashMap<>(prev == null ? Map.of() : prev.values());
                Map<String, Delta> deltas = new LinkedHashMap<>(prev == null ? Map.of() : prev.deltas());
                values.put(model, estimate(point, rep, options));
                if (isKl(mm.aggregate())) {
                    values.put(ReportResult.BASE, new Estimate(0, 0, 0));
                    double[] ci = Bootstrap.percentileInterval(rep, options.confidence());
                    double p = Bootstrap.pValue(rep, point);
                    deltas.put(model, new Delta(point, ci[0], ci[1], p, excludesZero(ci[0], ci[1])));
                    if (taxed) {
                        double sign = mm.higherIsBetter() ? -1 : 1;
                        double lo = sign > 0 ? ci[0] : -ci[1];
                        double hi = sign > 0 ? ci[1] : -ci[0];
                        tax.add(new Change(task, category, mm.name(), model, 0, point, sign * point, lo, hi, p,
                                excludesZero(lo, hi)));
                    }
                    if (prev == null) {
                        notes.add("task '" + task + "', metric '" + mm.name() + "': KL to the base, which is 0 for "
                                + "the base itself");
                    }
                } else {
                    notes.add("task '" + task + "', metric '" + mm.name() + "': in run " + model + " but not in "
                            + "the base run; shown without a comparison");
                }
                extra.put(mm.name(), new MetricReport(mm.name(), kind(mm.aggregate()), mm.higherIsBetter(),
                        mm.signature(), orderBaseFirst(values), deltas));
            }
        }
        metrics.addAll(extra.values());
        List<String> models = new ArrayList<>();
        models.add(ReportResult.BASE);
        models.addAll(present);
        return new TaskReport(task, category, b.summary().type(), baseEx.size(), models, metrics);
    }

    /** Per-token KL against a reference (the base), by the perplexity task's token name. */
    private static boolean isKl(Aggregate a) {
        return a instanceof Aggregate.TokenMean t && t.tokens().equals("kl")
                || a instanceof Aggregate.TokenQuantile q && q.tokens().equals("kl");
    }

    private static Map<String, Estimate> orderBaseFirst(Map<String, Estimate> values) {
        Map<String, Estimate> out = new LinkedHashMap<>();
        if (values.containsKey(ReportResult.BASE)) {
            out.put(ReportResult.BASE, values.get(ReportResult.BASE));
        }
        values.forEach(out::putIfAbsent);
        return out;
    }

    private static Estimate estimate(double point, double[] replicates, ReportOptions options) {
        double[] ci = Bootstrap.percentileInterval(replicates, options.confidence());
        return new Estimate(point, ci[0], ci[1]);
    }

    private static boolean excludesZero(double lo, double hi) {
        return lo > 0 || hi < 0;
    }

    /** Notes a summary value that the per-example records do not reproduce (edited or mixed-up files). */
    private static void checkPoint(String task, String model, MetricResult m, double recomputed, List<String> notes) {
        double tol = 1e-6 * Math.max(1, Math.abs(recomputed));
        if (!(Math.abs(m.value() - recomputed) <= tol) && !(Double.isNaN(m.value()) && Double.isNaN(recomputed))) {
            notes.add(String.format(Locale.ROOT, "task '%s', metric '%s', run %s: summary.json says %s but the "
                    + "examples give %s; the report uses the examples", task, m.name(), model, m.value(),
                    recomputed));
        }
    }

    /** The aggregate's JSON kind name. */
    static String kind(Aggregate agg) {
        if (agg instanceof Aggregate.Mean) {
            return "mean";
        } else if (agg instanceof Aggregate.CorpusBleu) {
            return "corpus_bleu";
        } else if (agg instanceof Aggregate.CorpusChrf) {
            return "corpus_chrf";
        } else if (agg instanceof Aggregate.TokenMean) {
            return "token_mean";
        }
        return "token_quantile";
    }

    private static Map<String, Integer> indexById(String task, Path run, List<ExampleRecord> examples) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < examples.size(); i++) {
            Integer prev = index.put(examples.get(i).id(), i);
            if (prev != null) {
                throw new IllegalArgumentException("task '" + task + "' in " + run + ": example id '"
                        + examples.get(i).id() + "' appears twice (records " + (prev + 1) + " and " + (i + 1)
                        + " of " + EvalResults.EXAMPLES + "); ids must be unique to pair runs");
            }
        }
        return index;
    }

    /** The model's examples in the base run's order; an error naming the task and ids when the sets differ. */
    private static List<ExampleRecord> align(String task, Path base, Map<String, Integer> index,
            List<ExampleRecord> baseEx, String model, Path run, List<ExampleRecord> examples) {
        Map<String, Integer> own = indexById(task, run, examples);
        Set<String> onlyBase = new TreeSet<>();
        for (ExampleRecord r : baseEx) {
            if (!own.containsKey(r.id())) {
                onlyBase.add(r.id());
            }
        }
        Set<String> onlyModel = new TreeSet<>();
        for (ExampleRecord r : examples) {
            if (!index.containsKey(r.id())) {
                onlyModel.add(r.id());
            }
        }
        if (!onlyBase.isEmpty() || !onlyModel.isEmpty()) {
            throw new IllegalArgumentException("task '" + task + "': example ids differ between the base run ("
                    + base + ", " + Plural.of(baseEx.size(), "example") + ") and run " + model + " (" + run + ", "
                    + Plural.of(examples.size(), "example") + "): " + onlyBase.size() + " only in base "
                    + sample(onlyBase)
                    + ", " + onlyModel.size() + " only in " + model + " " + sample(onlyModel) + "; evaluate both "
                    + "runs on the same data (same task file, split and limit)");
        }
        List<ExampleRecord> out = new ArrayList<>(baseEx.size());
        for (ExampleRecord r : baseEx) {
            out.add(examples.get(own.get(r.id())));
        }
        return out;
    }

    private static String sample(Set<String> ids) {
        List<String> first = ids.stream().limit(5).toList();
        return first.isEmpty() ? "" : "(e.g. " + String.join(", ", first) + (ids.size() > 5 ? ", ..." : "") + ")";
    }

    private static String describe(List<String> models, Map<String, Path> compare) {
        List<String> out = new ArrayList<>();
        for (String m : models) {
            out.add("run " + m + " (" + compare.get(m) + ")");
        }
        return String.join(", ", out);
    }

    /** Per-token values of every token kind that all examples of a model have, per model. */
    private static List<TokenDistribution> tokenDistributions(String task, Map<String, List<ExampleRecord>> aligned) {
        Set<String> kinds = new LinkedHashSet<>();
        for (List<ExampleRecord> ex : aligned.values()) {
            kinds.addAll(commonTokenKinds(ex));
        }
        List<TokenDistribution> out = new ArrayList<>();
        for (String kind : new TreeSet<>(kinds)) {
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Map.Entry<String, List<ExampleRecord>> e : aligned.entrySet()) {
                if (!commonTokenKinds(e.getValue()).contains(kind)) {
                    continue;
                }
                int total = 0;
                for (ExampleRecord r : e.getValue()) {
                    total += r.token(kind).length;
                }
                float[] pooled = new float[total];
                int k = 0;
                for (ExampleRecord r : e.getValue()) {
                    float[] v = r.token(kind);
                    System.arraycopy(v, 0, pooled, k, v.length);
                    k += v.length;
                }
                if (total > 0) {
                    values.put(e.getKey(), pooled);
                }
            }
            if (!values.isEmpty()) {
                out.add(new TokenDistribution(task, kind, values));
            }
        }
        return out;
    }

    private static Set<String> commonTokenKinds(List<ExampleRecord> examples) {
        Set<String> common = new TreeSet<>(examples.get(0).tokens().keySet());
        for (ExampleRecord r : examples) {
            common.retainAll(r.tokens().keySet());
        }
        return common;
    }

    private static List<JudgeReport> judgeTasks(Path dir, ReportOptions options, List<String> notes)
            throws IOException {
        List<TaskResults> tasks;
        if (Files.isRegularFile(dir.resolve(EvalResults.SUMMARY))) {
            tasks = List.of(EvalResults.readTask(dir));
        } else if (Files.isDirectory(dir)) {
            tasks = List.copyOf(EvalResults.readRun(dir).values());
        } else {
            throw new IOException(dir + ": no such judge task folder (expected " + EvalResults.SUMMARY + " and "
                    + EvalResults.EXAMPLES + " in it); run the judge first or fix the path");
        }
        List<JudgeReport> out = new ArrayList<>();
        for (TaskResults t : tasks) {
            String task = t.summary().task();
            if (t.examples().isEmpty()) {
                notes.add("judge task '" + task + "' (" + dir + "): no examples; skipped");
                continue;
            }
            String model = t.summary().model() == null ? dir.getFileName().toString() : t.summary().model();
            if (t.summary().adapter() != null) {
                model += " + " + t.summary().adapter();
            }
            Bootstrap bs = new Bootstrap(t.examples().size(), options.resamples(),
                    Bootstrap.taskSeed(options.seed(), "judge/" + task));
            List<MetricReport> metrics = new ArrayList<>();
            for (MetricResult m : t.summary().metrics()) {
                double point = m.aggregate().compute(t.examples());
                checkPoint(task, model, m, point, notes);
                Map<String, Estimate> values = new LinkedHashMap<>();
                values.put(model, estimate(point, bs.replicates(m.aggregate(), t.examples()), options));
                metrics.add(new MetricReport(m.name(), kind(m.aggregate()), m.higherIsBetter(), m.signature(),
                        values, Map.of()));
            }
            out.add(new JudgeReport(task, dir.toString(), model, t.examples().size(), metrics));
        }
        return out;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
