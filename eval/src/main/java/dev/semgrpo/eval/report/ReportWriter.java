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
                    m.metric() + (m.higherIsBetter() ? " (higher is better)" : " (lower is better)"), v[0], v[1],
                    v[2]));
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
                            changePanels(r.alignmentTax(), models, "tax"), true)));
        }
        if (!r.targetGains().isEmpty()) {
            out.add(new Chart("target-gains.png", "Target-language gain against the base, signed so that positive "
                    + "= better, with " + percent(r) + " paired intervals",
                    PanelChart.render("Target-language gain vs base (positive = better)", MODEL, modelSeries,
                            changePanels(r.targetGains(), models, "gain"), true)));
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
                + " per token (x axis up to the 99.5th percentile)", "fraction of tokens <= x", MODEL, curves, min,
                max);
    }

    private static List<Panel> changePanels(List<Change> changes, List<String> models, String what) {
        Map<String, double[][]> byMetric = new LinkedHashMap<>();
        for (Change c : changes) {
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
            out.add(new Panel(e.getKey(), what + " in " + metric, e.getValue()[0], e.getValue()[1],
                    e.getValue()[2]));
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

        List<String> header = new ArrayList<>(List.of("task", "category", "n", "metric"));
        for (String m : all) {
            header.add(m + " [" + ci + "]");
        }
        List<List<String>> rows = new ArrayList<>();
        for (TaskReport t : r.tasks()) {
            for (MetricReport m : t.metrics()) {
                List<String> row = new ArrayList<>(List.of(t.task(), String.valueOf(t.category()),
                        String.valueOf(t.examples()), m.metric() + (m.higherIsBetter() ? " ↑" : " ↓")));
                for (String model : all) {
                    Estimate e = m.values().get(model);
                    row.add(e == null ? "—" : fmt(e.value()) + " [" + fmt(e.lo()) + ", " + fmt(e.hi()) + "]");
                }
                rows.add(row);
            }
        }
        out.add(new Table("Results", "Each metric recomputed from the per-example records; intervals are "
                + "percentile bootstrap intervals over resampled examples. ↑ higher is better, ↓ lower is better.",
                header, rows));
        out.add(changeTable("Alignment tax", "General and forgetting tasks: the change against the base, signed "
                + "so that a positive tax means the model got worse. Paired bootstrap interval and p-value.",
                "tax", r.alignmentTax(), ci));
        out.add(changeTable("Target-language gains", "Target tasks: the change against the base, signed so that "
                + "a positive gain means the model got better.", "gain", r.targetGains(), ci));
        if (!r.judge().isEmpty()) {
            List<List<String>> jr = new ArrayList<>();
            for (JudgeReport j : r.judge()) {
                for (MetricReport m : j.metrics()) {
                    Estimate e = m.values().get(j.model());
                    jr.add(List.of(j.task(), j.model(), String.valueOf(j.examples()),
                            m.metric() + (m.higherIsBetter() ? " ↑" : " ↓"),
                            fmt(e.value()) + " [" + fmt(e.lo()) + ", " + fmt(e.hi()) + "]"));
                }
            }
            out.add(new Table("Judge", "Extra judge tasks, value with its bootstrap interval.",
                    List.of("task", "model", "n", "metric", "value [" + ci + "]"), jr));
        }
        return out;
    }

    private static Table changeTable(String title, String intro, String what, List<Change> changes, String ci) {
        List<List<String>> rows = new ArrayList<>();
        for (Change c : changes) {
            rows.add(List.of(c.task(), c.metric(), c.model(), fmt(c.baseValue()), fmt(c.modelValue()),
                    signed(c.change()), "[" + signed(c.lo()) + ", " + signed(c.hi()) + "]", fmtP(c.pValue()),
                    c.significant() ? "yes" : "no"));
        }
        return new Table(title, intro, List.of("task", "metric", "model", "base", "model value", what, ci, "p",
                "CI excludes 0"), rows);
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

    private static String signed(double v) {
        return (v > 0 ? "+" : "") + fmt(v);
    }

    private static String fmtP(double p) {
        return Double.isNaN(p) ? "n/a" : String.format(Locale.ROOT, "%.3g", p);
    }

    private static String percent(ReportResult r) {
        double p = 100 * r.options().confidence();
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p)) + "%";
    }

    // ---- markdown ----

    static String markdown(ReportResult r, List<Table> tables, List<Chart> charts) {
        StringBuilder sb = new StringBuilder("# Alignment-tax report\n\n");
        sb.append("Base run: `").append(r.base()).append("`\n\n");
        for (Map.Entry<String, String> e : r.runs().entrySet()) {
            sb.append("- ").append(e.getKey()).append(": `").append(e.getValue()).append("`\n");
        }
        sb.append('\n');
        for (Table t : tables) {
            sb.append("## ").append(t.title()).append("\n\n").append(t.intro()).append("\n\n");
            if (t.rows().isEmpty()) {
                sb.append("_No rows._\n\n");
                continue;
            }
            sb.append(mdRow(t.header()));
            sb.append("|").append("---|".repeat(t.header().size())).append('\n');
            for (List<String> row : t.rows()) {
                sb.append(mdRow(row));
            }
            sb.append('\n');
        }
        if (!charts.isEmpty()) {
            sb.append("## Charts\n\n");
            for (Chart c : charts) {
                sb.append("![").append(c.caption()).append("](plots/").append(c.file()).append(")\n\n");
            }
        }
        sb.append("## Notes\n\n");
        for (String n : r.notes()) {
            sb.append("- ").append(n.replace("\n", " ")).append('\n');
        }
        return sb.toString();
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
                .append("th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}\n")
                .append("th{background:#f2f2f2}\ntd.yes{font-weight:bold;color:#b00}\n")
                .append("figure{margin:1em 0}\nimg{max-width:100%;border:1px solid #ddd}\n")
                .append("code{background:#f6f6f6;padding:1px 3px}\n</style>\n</head>\n<body>\n");
        sb.append("<h1>Alignment-tax report</h1>\n<p>Base run: <code>").append(esc(r.base()))
                .append("</code></p>\n<ul>\n");
        for (Map.Entry<String, String> e : r.runs().entrySet()) {
            sb.append("<li>").append(esc(e.getKey())).append(": <code>").append(esc(e.getValue()))
                    .append("</code></li>\n");
        }
        sb.append("</ul>\n");
        for (Table t : tables) {
            sb.append("<h2>").append(esc(t.title())).append("</h2>\n<p>").append(esc(t.intro())).append("</p>\n");
            if (t.rows().isEmpty()) {
                sb.append("<p><em>No rows.</em></p>\n");
                continue;
            }
            sb.append("<table>\n<tr>");
            for (String h : t.header()) {
                sb.append("<th>").append(esc(h)).append("</th>");
            }
            sb.append("</tr>\n");
            for (List<String> row : t.rows()) {
                sb.append("<tr>");
                for (int i = 0; i < row.size(); i++) {
                    boolean flag = "CI excludes 0".equals(t.header().get(i)) && "yes".equals(row.get(i));
                    sb.append(flag ? "<td class=\"yes\">" : "<td>").append(esc(row.get(i))).append("</td>");
                }
                sb.append("</tr>\n");
            }
            sb.append("</table>\n");
        }
        if (!charts.isEmpty()) {
            sb.append("<h2>Charts</h2>\n");
            for (Chart c : charts) {
                sb.append("<figure><img alt=\"").append(esc(c.caption())).append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(c.chart().png())).append("\"><figcaption>")
                        .append(esc(c.caption())).append("</figcaption></figure>\n");
            }
        }
        sb.append("<h2>Notes</h2>\n<ul>\n");
        for (String n : r.notes()) {
            sb.append("<li>").append(esc(n)).append("</li>\n");
        }
        return sb.append("</ul>\n</body>\n</html>\n").toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
