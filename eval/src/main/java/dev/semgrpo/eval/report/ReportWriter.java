package dev.semgrpo.eval.report;

import dev.semgrpo.chart.EcdfChart;
import dev.semgrpo.chart.EcdfChart.Curve;
import dev.semgrpo.chart.PanelChart;
import dev.semgrpo.chart.PanelChart.Panel;
import dev.semgrpo.chart.Rendered;
import dev.semgrpo.chart.Style;
import dev.semgrpo.chart.Style.Series;
import dev.semgrpo.eval.report.ReportResult.Change;
import dev.semgrpo.eval.report.ReportResult.Estimate;
import dev.semgrpo.eval.report.ReportResult.JudgeReport;
import dev.semgrpo.eval.report.ReportResult.MetricReport;
import dev.semgrpo.eval.report.ReportResult.RunIdentity;
import dev.semgrpo.eval.report.ReportResult.TaskReport;
import dev.semgrpo.eval.report.ReportResult.TokenDistribution;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link ReportResult} as report.json, report.md, report.html (charts inlined) and plots/*.png, each with
 * its plotted data as plots/*.csv.
 */
final class ReportWriter {
    /** The CSV column that names the series of every chart: the models. */
    private static final String MODEL = "model";

    private ReportWriter() {
    }

    /** A chart: its PNG file's name under plots/ (its CSV beside it), caption, PNG bytes and plotted data. */
    record Chart(String file, String caption, Rendered chart) {
    }

    /** A table: header row and body rows of plain text cells. */
    record Table(String title, String intro, List<String> header, List<List<String>> rows) {
    }

    static void write(ReportResult r, Path out) throws IOException {
        Path plots = out.resolve("plots");
        Files.createDirectories(plots);
        List<Chart> charts = charts(r);
        for (Chart c : charts) {
            c.chart().writeTo(plots.resolve(c.file()), (f, bytes) -> AtomicFiles.write(f, true,
                    o -> o.write(bytes)));
        }
        EvalResults.JSON.writeValue(out.resolve("report.json").toFile(), r);
        List<Table> tables = tables(r);
        Files.writeString(out.resolve("report.md"), markdown(r, tables, charts), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("report.html"), html(r, tables, charts), StandardCharsets.UTF_8);
    }

    // ---- charts ----

    static List<Chart> charts(ReportResult r) throws IOException {
        List<String> all = new ArrayList<>();
        all.add(ReportResult.BASE);
        all.addAll(r.models());
        List<Series> series = all.stream().map(m -> new Series(m, Style.color(all.indexOf(m)))).toList();
        List<Chart> out = new ArrayList<>();

        List<Panel> primary = new ArrayList<>();
        for (TaskReport t : r.tasks()) {
            if (t.metrics().isEmpty()) {
                continue;
            }
            MetricReport m = t.metrics().get(0);
            double[][] v = new double[3][all.size()];
            for (int s = 0; s < all.size(); s++) {
                Estimate e = m.values().get(all.get(s));
                v[0][s] = e == null ? Double.NaN : e.value();
                v[1][s] = e == null ? Double.NaN : e.lo();
                v[2][s] = e == null ? Double.NaN : e.hi();
            }
            primary.add(new Panel(t.task() + " (" + t.category() + ", n=" + t.examples() + ")",
                    m.metric() + " (" + MetricScale.of(m.metric(), m.aggregate()) + ", " + (m.higherIsBetter()
                            ? "higher" : "lower") + " is better)", v[0], v[1], v[2]));
        }
        if (!primary.isEmpty()) {
            out.add(new Chart("primary.png", "Primary metric of each task per model, with "
                    + percent(r) + " bootstrap intervals", PanelChart.render("Primary metric per task ("
                    + percent(r) + " CI)", MODEL, series, primary, false)));
        }
        List<String> models = r.models();
        List<Series> modelSeries = series.subList(1, series.size());
        if (!r.alignmentTax().isEmpty()) {
            out.add(new Chart("alignment-tax.png", "Alignment tax: change against the base on general and "
                    + "forgetting tasks, signed so that positive = worse, with " + percent(r) + " paired intervals",
                    PanelChart.render("Alignment tax vs base (positive = worse)", MODEL, modelSeries,
                            changePanels(r, r.alignmentTax(), models, "tax"), true)));
        }
        if (!r.targetGains().isEmpty()) {
            out.add(new Chart("target-gains.png", "Target-language gain against the base, signed so that positive "
                    + "= better, with " + percent(r) + " paired intervals",
                    PanelChart.render("Target-language gain vs base (positive = better)", MODEL, modelSeries,
                            changePanels(r, r.targetGains(), models, "gain"), true)));
        }
        for (TokenDistribution d : r.distributions()) {
            out.add(new Chart(fileName(d.task() + "-" + d.token()) + ".png", "Per-token " + d.token() + " on "
                    + d.task() + ": empirical CDF per model", ecdf(d, all)));
        }
        return out;
    }

    /**
     * The ECDF chart of a token distribution: one curve per model over its finite values, the x axis from the
     * smallest value to the largest 99.5th percentile so that a long tail does not squash the curves, and each
     * model's token count, mean and median in the legend.
     */
    private static Rendered ecdf(TokenDistribution d, List<String> all) throws IOException {
        List<Curve> curves = new ArrayList<>();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, float[]> e : d.values().entrySet()) {
            double[] sorted = new double[e.getValue().length];
            int k = 0;
            for (float f : e.getValue()) {
                if (Float.isFinite(f)) {
                    sorted[k++] = f;
                }
            }
            sorted = Arrays.copyOf(sorted, k);
            Arrays.sort(sorted);
            String legend = e.getKey() + " (no finite values)";
            if (k > 0) {
                min = Math.min(min, sorted[0]);
                max = Math.max(max, Bootstrap.quantile(sorted, 0.995));
                legend = String.format(Locale.ROOT, "%s (%d tokens, mean %.3g, median %.3g)", e.getKey(), k,
                        Arrays.stream(sorted).sum() / k, Bootstrap.quantile(sorted, 0.5));
            }
            curves.add(new Curve(new Series(e.getKey(), Style.color(all.indexOf(e.getKey()))), sorted, legend));
        }
        return EcdfChart.render(d.task() + ": per-token " + d.token() + " (ECDF)", d.token()
                + " per token (" + MetricScale.tokenUnit(d.token()) + "; x axis up to the 99.5th percentile)",
                "fraction of tokens <= x (0-1)", MODEL, curves, min, max);
    }

    private static List<Panel> changePanels(ReportResult r, List<Change> changes, List<String> models,
            String what) {
        Map<String, double[][]> byMetric = new LinkedHashMap<>();
        Map<String, String> scales = new LinkedHashMap<>();
        for (Change c : changes) {
            scales.put(c.task() + " / " + c.metric(), ReportSummary.scale(r, c));
            double[][] v = byMetric.computeIfAbsent(c.task() + " / " + c.metric(), k -> {
                double[][] a = new double[3][models.size()];
                for (double[] row : a) {
                    Arrays.fill(row, Double.NaN);
                }
                return a;
            });
            int s = models.indexOf(c.model());
            v[0][s] = c.change();
            v[1][s] = c.lo();
            v[2][s] = c.hi();
        }
        List<Panel> out = new ArrayList<>();
        for (Map.Entry<String, double[][]> e : byMetric.entrySet()) {
            String metric = e.getKey().substring(e.getKey().lastIndexOf(" / ") + 3);
            out.add(new Panel(e.getKey(), what + " in " + metric + " (" + scales.get(e.getKey()) + ")",
                    e.getValue()[0], e.getValue()[1], e.getValue()[2]));
        }
        return out;
    }

    /** A file-name-safe form of a task or token name. */
    static String fileName(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    // ---- tables ----

    static List<Table> tables(ReportResult r) {
        List<Table> out = new ArrayList<>();
        List<String> all = new ArrayList<>();
        all.add(ReportResult.BASE);
        all.addAll(r.models());
        String ci = percent(r) + " CI";

        List<String> header = new ArrayList<>(List.of("task", "category", "n", "metric (↑ higher / ↓ lower is "
                + "better)", SCALE));
        for (String m : all) {
            header.add(m + ": value [" + ci + "]");
        }
        List<List<String>> rows = new ArrayList<>();
        for (TaskReport t : r.tasks()) {
            for (MetricReport m : t.metrics()) {
                List<String> row = new ArrayList<>(List.of(t.task(), String.valueOf(t.category()),
                        String.valueOf(t.examples()), m.metric() + (m.higherIsBetter() ? " ↑" : " ↓"),
                        MetricScale.of(m.metric(), m.aggregate())));
                for (String model : all) {
                    Estimate e = m.values().get(model);
                    row.add(e == null ? "—" : fmt(e.value()) + " [" + fmt(e.lo()) + ", " + fmt(e.hi()) + "]");
                }
                rows.add(row);
            }
        }
        out.add(new Table("Results", "Each metric recomputed from the per-example records; intervals are "
                + "percentile bootstrap intervals over resampled examples. ↑ higher is better, ↓ lower is better; "
                + "the scale column gives each metric's range or unit.", header, rows));
        out.add(changeTable(r, "Alignment tax", "General and forgetting tasks: the change against the base, signed "
                + "so that a positive tax means the model got worse, in the metric's own scale. Paired bootstrap "
                + "interval and p-value; rows by model (in the order given), then task, then metric.", true,
                r.alignmentTax(), ci));
        out.add(changeTable(r, "Target-language gains", "Target tasks: the change against the base, signed so "
                + "that a positive gain means the model got better, in the metric's own scale; rows by model (in "
                + "the order given), then task, then metric.", false, r.targetGains(), ci));
        if (!r.judge().isEmpty()) {
            List<List<String>> jr = new ArrayList<>();
            for (JudgeReport j : r.judge()) {
                for (MetricReport m : j.metrics()) {
                    Estimate e = m.values().get(j.model());
                    jr.add(List.of(j.task(), j.model(), String.valueOf(j.examples()),
                            m.metric() + (m.higherIsBetter() ? " ↑" : " ↓"), MetricScale.of(m.metric(),
                                    m.aggregate()), fmt(e.value()) + " [" + fmt(e.lo()) + ", " + fmt(e.hi()) + "]"));
                }
            }
            out.add(new Table("Judge", "Extra judge tasks, value with its bootstrap interval.",
                    List.of("task", "model", "n", "metric", SCALE, "value [" + ci + "]"), jr));
        }
        return out;
    }

    /** A cell that holds a number, an interval or a p-value: kept on one line, right-aligned. */
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile(
            "[-+<\\[0-9n][-+<>\\[\\], .0-9e/a]*");

    /** The header of the column that holds each row's scale or unit. */
    static final String SCALE = "scale (unit of value, CI and change)";
    /** The header of the column that marks significant changes. */
    static final String SIGNIFICANT = "significant (CI excludes 0)";
    /** A significant change for the better. */
    static final String BETTER = "yes, better";
    /** A significant change for the worse. */
    static final String WORSE = "yes, worse";

    private static Table changeTable(ReportResult r, String title, String intro, boolean tax, List<Change> changes,
            String ci) {
        String what = tax ? "tax (+ = worse)" : "gain (+ = better)";
        List<List<String>> rows = new ArrayList<>();
        for (Change c : changes) {
            rows.add(List.of(c.task(), c.metric(), ReportSummary.scale(r, c), c.model(), fmt(c.baseValue()),
                    fmt(c.modelValue()), signed(c.change()), "[" + signed(c.lo()) + ", " + signed(c.hi()) + "]",
                    formatP(c.pValue(), r.options().resamples()), marker(c, tax)));
        }
        return new Table(title, intro, List.of("task", "metric", SCALE, "model", "base value", "model value", what,
                what.substring(0, what.indexOf(' ')) + " " + ci, "p (two-sided; < 1/B at the floor)", SIGNIFICANT),
                rows);
    }

    /**
     * The significance marker of a change: {@link #WORSE} or {@link #BETTER} by the metric's direction when the
     * interval excludes 0 (a positive tax is worse, a positive gain better), else "no".
     */
    static String marker(Change c, boolean tax) {
        if (!c.significant()) {
            return "no";
        }
        return c.change() > 0 == tax ? WORSE : BETTER;
    }

    /** The CSS class of a marker cell: sig-worse, sig-better, or none. */
    static String markerClass(String marker) {
        return WORSE.equals(marker) ? "sig-worse" : BETTER.equals(marker) ? "sig-better" : null;
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a != 0 && (a >= 1e5 || a < 1e-3)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.2f" : a >= 10 ? "%.3f" : "%.4f", v);
    }

    static String signed(double v) {
        return (v > 0 ? "+" : "") + fmt(v + 0.0); // + 0.0: no "-0.0000"
    }

    /**
     * A p-value as the tables show it: {@code < 1/B} (e.g. {@code < 0.001} for B = 1000) at the floor 1/(B + 1),
     * where no resample was as extreme as the observed change and the true p-value is smaller than the bootstrap
     * can tell; three significant digits otherwise; n/a for NaN.
     */
    static String formatP(double p, int resamples) {
        if (Double.isNaN(p)) {
            return "n/a";
        }
        if (p * (resamples + 1) < 1.5) {
            return "< " + plain(1.0 / resamples);
        }
        return String.format(Locale.ROOT, "%.3g", p);
    }

    /** Up to four significant digits, no exponent, no trailing zeros. */
    private static String plain(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }

    private static String percent(ReportResult r) {
        double p = 100 * r.options().confidence();
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p)) + "%";
    }

    // ---- what was compared ----

    /** One row per run (base first): its folder, model, adapter, backend, evaluation time and encoders. */
    static Table identities(ReportResult r) {
        List<List<String>> rows = new ArrayList<>();
        if (r.info() != null) {
            for (RunIdentity id : r.info().runs()) {
                rows.add(List.of(id.name(), id.folder(), id.model(), orDash(id.adapter()), orDash(id.backend()),
                        orDash(id.evaluated()), id.encoders().isEmpty() ? "—" : String.join("; ", id.encoders())));
            }
        } else { // a report.json from before the identities were recorded
            rows.add(List.of(ReportResult.BASE, r.base(), "not recorded", "—", "—", "—", "—"));
            r.runs().forEach((name, folder) -> rows.add(List.of(name, folder, "not recorded", "—", "—", "—",
                    "—")));
        }
        return new Table("What was compared", "Each run's evaluation folder and what it evaluated (from its "
                + "eval.json and task summaries).", List.of("run", "evaluation folder", "model", "adapter",
                        "generation backend", "evaluated at", "similarity encoder"), rows);
    }

    /** "Written 2026-01-01T00:00:00Z by semgrpo 0.1.0", or what an older report.json lacks. */
    static String written(ReportResult r) {
        return r.info() == null ? "Written by a semgrpo version that did not record its date and version."
                : "Written " + r.info().created() + " by semgrpo " + r.info().semgrpoVersion() + ".";
    }

    private static String orDash(String s) {
        return s == null || s.isBlank() ? "—" : s;
    }

    // ---- markdown ----

    static String markdown(ReportResult r, List<Table> tables, List<Chart> charts) {
        StringBuilder sb = new StringBuilder("# Alignment-tax report\n\n");
        sb.append(written(r)).append("\n\n");
        mdTable(sb, identities(r));
        mdList(sb, "Summary", r.summary());
        mdList(sb, "Caveats", r.caveats());
        for (Table t : tables) {
            mdTable(sb, t);
        }
        if (!charts.isEmpty()) {
            sb.append("## Charts\n\n");
            for (Chart c : charts) {
                sb.append("![").append(c.caption()).append("](plots/").append(c.file()).append(")\n\n");
            }
        }
        mdList(sb, "Notes", r.notes());
        return sb.toString();
    }

    private static void mdTable(StringBuilder sb, Table t) {
        sb.append("## ").append(t.title()).append("\n\n").append(t.intro()).append("\n\n");
        if (t.rows().isEmpty()) {
            sb.append("_No rows._\n\n");
            return;
        }
        sb.append(mdRow(t.header()));
        sb.append("|").append("---|".repeat(t.header().size())).append('\n');
        for (List<String> row : t.rows()) {
            sb.append(mdRow(row));
        }
        sb.append('\n');
    }

    private static void mdList(StringBuilder sb, String title, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        sb.append("## ").append(title).append("\n\n");
        for (String n : lines) {
            sb.append("- ").append(n.replace("\n", " ")).append('\n');
        }
        sb.append('\n');
    }

    private static String mdRow(List<String> cells) {
        StringBuilder sb = new StringBuilder("|");
        for (String c : cells) {
            sb.append(' ').append(c.replace("|", "\\|").replace("\n", " ")).append(" |");
        }
        return sb.append('\n').toString();
    }

    // ---- html ----

    static String html(ReportResult r, List<Table> tables, List<Chart> charts) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>Alignment-tax report</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}\n")
                .append("table{border-collapse:collapse;margin:0.5em 0 1.5em}\n")
                .append("th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px;")
                .append("overflow-wrap:anywhere}\n") // long paths break instead of widening the page
                .append("th{background:#f2f2f2}\n")
                .append("td.num{white-space:nowrap;text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("td.sig-worse{font-weight:bold;color:").append(hex(Style.WORSE)).append("}\n")
                .append("td.sig-better{font-weight:bold;color:").append(hex(Style.BETTER)).append("}\n")
                .append("figure{margin:1em 0}\nimg{max-width:100%;border:1px solid #ddd}\n")
                .append("code{background:#f6f6f6;padding:1px 3px}\n</style>\n</head>\n<body>\n");
        sb.append("<h1>Alignment-tax report</h1>\n<p>").append(esc(written(r))).append("</p>\n");
        htmlTable(sb, identities(r));
        htmlList(sb, "Summary", r.summary());
        htmlList(sb, "Caveats", r.caveats());
        for (Table t : tables) {
            htmlTable(sb, t);
        }
        if (!charts.isEmpty()) {
            sb.append("<h2>Charts</h2>\n");
            for (Chart c : charts) {
                sb.append("<figure><img alt=\"").append(esc(c.caption())).append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(c.chart().png())).append("\"><figcaption>")
                        .append(esc(c.caption())).append("</figcaption></figure>\n");
            }
        }
        htmlList(sb, "Notes", r.notes());
        return sb.append("</body>\n</html>\n").toString();
    }

    private static void htmlTable(StringBuilder sb, Table t) {
        sb.append("<h2>").append(esc(t.title())).append("</h2>\n<p>").append(esc(t.intro())).append("</p>\n");
        if (t.rows().isEmpty()) {
            sb.append("<p><em>No rows.</em></p>\n");
            return;
        }
        sb.append("<table>\n<tr>");
        for (String h : t.header()) {
            sb.append("<th>").append(esc(h)).append("</th>");
        }
        sb.append("</tr>\n");
        for (List<String> row : t.rows()) {
            sb.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                String cls = SIGNIFICANT.equals(t.header().get(i)) ? markerClass(row.get(i))
                        : !SCALE.equals(t.header().get(i)) && NUMBER.matcher(row.get(i)).matches() ? "num" : null;
                sb.append(cls == null ? "<td>" : "<td class=\"" + cls + "\">").append(esc(row.get(i)))
                        .append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");
    }

    private static void htmlList(StringBuilder sb, String title, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        sb.append("<h2>").append(esc(title)).append("</h2>\n<ul>\n");
        for (String n : lines) {
            sb.append("<li>").append(esc(n)).append("</li>\n");
        }
        sb.append("</ul>\n");
    }

    private static String hex(java.awt.Color c) {
        return String.format(Locale.ROOT, "#%06x", c.getRGB() & 0xffffff);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
