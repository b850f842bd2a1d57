package dev.semgrpo.eval.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.chart.Csv;
import dev.semgrpo.chart.EcdfChart;
import dev.semgrpo.chart.PanelChart;
import dev.semgrpo.eval.report.ReportResult.Change;
import dev.semgrpo.eval.report.ReportResult.Delta;
import dev.semgrpo.eval.report.ReportResult.Estimate;
import dev.semgrpo.eval.report.ReportResult.MetricReport;
import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.results.TaskSummary;
import dev.semgrpo.rewards.text.Bleu;
import java.awt.Dimension;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    @TempDir
    Path tmp;

    // ---- fixtures ----

    /** A task of n examples with one Mean metric over the score {@code name}, score i given by {@code score}. */
    static void writeMeanTask(Path run, String task, String category, String name, int n,
            IntToDoubleFunction score) throws IOException {
        List<ExampleRecord> ex = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ex.add(new ExampleRecord("q" + i, "input " + i, "out", List.of(), Map.of(name, score.applyAsDouble(i)),
                    null, null, null));
        }
        Aggregate agg = new Aggregate.Mean(name);
        write(run, task, "multiple_choice", category, ex, List.of(new MetricResult(name, agg.compute(ex), agg, true,
                null)));
    }

    static void write(Path run, String task, String type, String category, List<ExampleRecord> ex,
            List<MetricResult> metrics) throws IOException {
        EvalResults.write(run, new TaskSummary(task, type, category, ex.size(), run.getFileName().toString(), null,
                null, metrics, 1.0, null), ex);
    }

    /** A translation task: hypotheses are the references with each word replaced with probability noise. */
    static void writeBleuTask(Path run, String task, int n, double noise, long seed) throws IOException {
        Random refs = new Random(7);
        Random r = new Random(seed);
        Bleu bleu = new Bleu(Bleu.Tokenize.T13A);
        List<ExampleRecord> ex = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 6 + refs.nextInt(10);
            StringBuilder ref = new StringBuilder();
            StringBuilder hyp = new StringBuilder();
            for (int w = 0; w < len; w++) {
                String word = "w" + refs.nextInt(40);
                ref.append(w == 0 ? "" : " ").append(word);
                hyp.append(w == 0 ? "" : " ").append(r.nextDouble() < noise ? "x" + r.nextInt(40) : word);
            }
            ex.add(new ExampleRecord("s" + i, "src " + i, hyp.toString(), List.of(ref.toString()), null,
                    Map.of("bleu", bleu.statistics(hyp.toString(), List.of(ref.toString()))), null, null));
        }
        Aggregate agg = new Aggregate.CorpusBleu("bleu", "exp");
        write(run, task, "generate", "target", ex, List.of(new MetricResult("bleu", agg.compute(ex), agg, true,
                "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.0")));
    }

    /** A perplexity task with per-token nll (and kl unless base), shifted by {@code shift} per token. */
    static void writeNllTask(Path run, String task, int n, double shift, boolean withKl) throws IOException {
        Random r = new Random(11);
        List<ExampleRecord> ex = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] nll = new float[5 + r.nextInt(20)];
            float[] kl = new float[nll.length];
            for (int t = 0; t < nll.length; t++) {
                nll[t] = (float) (2 + r.nextGaussian() + shift);
                kl[t] = (float) Math.abs(r.nextGaussian() * 0.1 * (1 + shift));
            }
            Map<String, float[]> tokens = withKl ? Map.of("nll", nll, "kl", kl) : Map.of("nll", nll);
            ex.add(new ExampleRecord("d" + i, "text " + i, null, null, null, null, tokens, null));
        }
        Aggregate mean = new Aggregate.TokenMean("nll");
        Aggregate p90 = new Aggregate.TokenQuantile("nll", 0.9);
        write(run, task, "perplexity", "forgetting", ex, List.of(
                new MetricResult("nll", mean.compute(ex), mean, false, null),
                new MetricResult("nll_p90", p90.compute(ex), p90, false, null)));
    }

    /** base, sft and grpo runs over a general, a target and a forgetting task. */
    Map<String, Path> threeRuns() throws IOException {
        Map<String, Path> runs = new LinkedHashMap<>();
        double[] acc = {0.6, 0.55, 0.6};
        double[] noise = {0.5, 0.35, 0.25};
        double[] shift = {0, 0.3, 0.1};
        String[] names = {"base", "sft", "grpo"};
        for (int m = 0; m < 3; m++) {
            Path run = tmp.resolve("eval-" + names[m]);
            Random r = new Random(100 + m);
            double p = acc[m];
            writeMeanTask(run, "general_qa", "general", "acc", 300, i -> r.nextDouble() < p ? 1 : 0);
            writeBleuTask(run, "target_mt", 120, noise[m], 200 + m);
            writeNllTask(run, "forget_ppl", 60, shift[m], m > 0);
            runs.put(names[m], run);
        }
        return runs;
    }

    /** The time the fixtures' reports say they were written. */
    static final Instant WRITTEN = Instant.parse("2026-01-02T03:04:05Z");

    static ReportResult build(Map<String, Path> runs, ReportOptions options) throws IOException {
        Map<String, Path> compare = new LinkedHashMap<>(runs);
        Path base = compare.remove("base");
        return Report.build(base, compare, List.of(), options, WRITTEN);
    }

    // ---- (a), (b), (c): values, deltas, intervals, p-values ----

    @Test
    void allZerosVersusAllOnesGiveDeltaOneWithDegenerateIntervalAndSmallP() throws IOException {
        writeMeanTask(tmp.resolve("base"), "qa", "general", "acc", 50, i -> 0);
        writeMeanTask(tmp.resolve("tuned"), "qa", "general", "acc", 50, i -> 1);
        ReportResult r = Report.build(tmp.resolve("base"), Map.of("tuned", tmp.resolve("tuned")), List.of(),
                new ReportOptions(1, 500, 0.95));
        MetricReport m = r.task("qa").metric("acc");
        assertEquals(new Estimate(0, 0, 0), m.values().get("base"));
        assertEquals(new Estimate(1, 1, 1), m.values().get("tuned"));
        Delta d = m.deltas().get("tuned");
        assertEquals(1.0, d.delta(), 0);
        assertEquals(1.0, d.lo(), 0);
        assertEquals(1.0, d.hi(), 0);
        assertEquals(1.0 / 501, d.pValue(), 1e-12);
        assertTrue(d.significant());
        // higher is better on a general task: the model improved, so the tax is -1
        Change tax = r.alignmentTax().get(0);
        assertEquals(-1.0, tax.change(), 0);
        assertEquals(-1.0, tax.lo(), 0);
        assertEquals(-1.0, tax.hi(), 0);
        assertTrue(tax.significant());
        assertTrue(r.targetGains().isEmpty());
    }

    @Test
    void identicalBinaryScoresGiveZeroDeltaInterval() throws IOException {
        writeMeanTask(tmp.resolve("base"), "boolq", "general", "acc", 400, i -> i % 2);
        writeMeanTask(tmp.resolve("tuned"), "boolq", "general", "acc", 400, i -> i % 2);
        ReportResult r = Report.build(tmp.resolve("base"), Map.of("tuned", tmp.resolve("tuned")), List.of(),
                ReportOptions.defaults(5));
        MetricReport m = r.task("boolq").metric("acc");
        Delta d = m.deltas().get("tuned");
        assertEquals(0.0, d.delta(), 0);
        assertEquals(0.0, d.lo(), 0);
        assertEquals(0.0, d.hi(), 0);
        assertEquals(1.0, d.pValue(), 1e-12);
        assertFalse(d.significant());
        // the values themselves vary across resamples
        Estimate e = m.values().get("base");
        assertEquals(0.5, e.value(), 1e-12);
        assertTrue(e.lo() < 0.48 && e.hi() > 0.52, e.toString());
    }

    @Test
    void binaryProportionIntervalMatchesNormalApproximation() throws IOException {
        // exactly 270 of 900 correct, spread over the ids
        writeMeanTask(tmp.resolve("base"), "arc", "general", "acc", 900, i -> i % 10 < 3 ? 1 : 0);
        writeMeanTask(tmp.resolve("tuned"), "arc", "general", "acc", 900, i -> i % 10 < 3 ? 1 : 0);
        ReportResult r = Report.build(tmp.resolve("base"), Map.of("tuned", tmp.resolve("tuned")), List.of(),
                new ReportOptions(2024, 2000, 0.95));
        Estimate e = r.task("arc").metric("acc").values().get("base");
        double half = 1.96 * Math.sqrt(0.3 * 0.7 / 900);
        assertEquals(0.3, e.value(), 1e-12);
        assertEquals(0.3 - half, e.lo(), 0.005);
        assertEquals(0.3 + half, e.hi(), 0.005);
    }

    @Test
    void signsFollowMetricDirectionAndCategory() throws IOException {
        ReportResult r = build(threeRuns(), new ReportOptions(3, 300, 0.9));
        // forgetting task, lower-is-better nll: sft's tokens are 0.3 nats worse, so its tax is about +0.3
        Change nll = r.alignmentTax().stream().filter(c -> c.task().equals("forget_ppl")
                && c.metric().equals("nll") && c.model().equals("sft")).findFirst().orElseThrow();
        assertEquals(0.3, nll.change(), 0.02);
        assertTrue(nll.lo() > 0 && nll.significant(), nll.toString());
        assertEquals(nll.modelValue() - nll.baseValue(), nll.change(), 1e-12);
        // target task, higher-is-better BLEU: less noise gives a positive gain
        Change bleu = r.targetGains().stream().filter(c -> c.model().equals("grpo")).findFirst().orElseThrow();
        assertTrue(bleu.change() > 5 && bleu.lo() > 0 && bleu.significant(), bleu.toString());
        assertEquals(bleu.modelValue() - bleu.baseValue(), bleu.change(), 1e-12);
        // the general task contributes one tax row per model, forgetting two metrics per model
        assertEquals(2 + 4, r.alignmentTax().size());
        assertEquals(List.of("base", "sft", "grpo"), r.task("general_qa").models());
    }

    // ---- (d) determinism ----

    @Test
    void sameSeedGivesIdenticalReportJson() throws IOException {
        Map<String, Path> runs = threeRuns();
        Report.write(build(runs, new ReportOptions(9, 200, 0.95)), tmp.resolve("out1"));
        Report.write(build(runs, new ReportOptions(9, 200, 0.95)), tmp.resolve("out2"));
        Report.write(build(runs, new ReportOptions(10, 200, 0.95)), tmp.resolve("out3"));
        byte[] a = Files.readAllBytes(tmp.resolve("out1/report.json"));
        assertArrayEquals(a, Files.readAllBytes(tmp.resolve("out2/report.json")));
        assertFalse(Arrays.equals(a, Files.readAllBytes(tmp.resolve("out3/report.json"))),
                "another seed must give other intervals");
    }

    @Test
    void aWrittenReportReadsBackTyped() throws IOException {
        ReportResult r = build(threeRuns(), new ReportOptions(9, 200, 0.95));
        Report.write(r, tmp.resolve("typed"));
        ReportResult back = Report.read(tmp.resolve("typed"));
        // all but the per-token distributions, which report.json leaves out (the charts have them)
        assertEquals(new ReportResult(r.base(), r.runs(), r.options(), r.pValue(), r.tasks(), r.alignmentTax(),
                r.targetGains(), r.judge(), r.notes(), r.info(), r.summary(), r.caveats(), List.of()), back);
        IOException e = assertThrows(IOException.class, () -> Report.read(tmp.resolve("none")));
        assertTrue(e.getMessage().contains("no such report"), e.getMessage());
    }

    // ---- (f) outputs ----

    @Test
    void writesMarkdownSelfContainedHtmlAndDecodablePlots() throws IOException {
        ReportResult r = build(threeRuns(), new ReportOptions(4, 200, 0.95));
        Path out = tmp.resolve("report");
        Report.write(r, out);
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("## Alignment tax") && md.contains("## Target-language gains"), md);
        assertTrue(md.contains("| general_qa | general | 300 | acc ↑ | fraction, 0-1 |"), md);
        assertTrue(md.contains("B = 200") && md.contains("seed 4") && md.contains("general_qa n=300"), md);
        assertTrue(md.contains("tok:13a"), "signatures are listed");
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64,"));
        // every src is a data URI, and outside the base64 payloads nothing points to the web
        String text = html.replaceAll("data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,");
        assertFalse(text.contains("http"), "no external resources");
        assertEquals(text.split("src=\"", -1).length - 1, text.split("src=\"data:image/png;base64,", -1).length - 1);
        assertFalse(text.contains("<link") || text.contains("<script"));
        assertTrue(html.contains("<td>forget_ppl</td>"));
        assertTrue(Files.readString(out.resolve("report.json")).contains("\"alignmentTax\""));

        Map<String, BufferedImage> plots = new LinkedHashMap<>();
        List<String> files;
        try (Stream<Path> s = Files.list(out.resolve("plots"))) {
            files = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (String f : files) {
            if (f.endsWith(".png")) {
                BufferedImage img = ImageIO.read(out.resolve("plots").resolve(f).toFile());
                assertNotNull(img, f + " decodes");
                plots.put(f, img);
            }
        }
        assertEquals(List.of("alignment-tax.png", "forget_ppl-kl.png", "forget_ppl-nll.png", "primary.png",
                "target-gains.png"), List.copyOf(plots.keySet()));
        assertEquals(List.of("alignment-tax.csv", "alignment-tax.png", "forget_ppl-kl.csv", "forget_ppl-kl.png",
                "forget_ppl-nll.csv", "forget_ppl-nll.png", "primary.csv", "primary.png", "target-gains.csv",
                "target-gains.png"), files, "a CSV beside every PNG and nothing else (no temporary files)");
        Dimension primary = PanelChart.size(3);
        assertEquals(primary.width, plots.get("primary.png").getWidth());
        assertEquals(primary.height, plots.get("primary.png").getHeight());
        Dimension tax = PanelChart.size(3); // general_qa/acc, forget_ppl/nll, forget_ppl/nll_p90
        assertEquals(tax.height, plots.get("alignment-tax.png").getHeight());
        assertEquals(EcdfChart.WIDTH, plots.get("forget_ppl-nll.png").getWidth());
        assertEquals(EcdfChart.HEIGHT, plots.get("forget_ppl-nll.png").getHeight());
        // something was drawn: the primary chart is not a blank page
        BufferedImage img = plots.get("primary.png");
        int colored = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                int red = rgb >> 16;
                int blue = rgb & 0xff;
                colored += (blue > red + 60) ? 1 : 0; // the sft bars are blue
            }
        }
        assertTrue(colored > 100, "bars drawn: " + colored);
        // kl is absent from the base run: its distribution holds sft and grpo only
        assertEquals(List.of("sft", "grpo"), List.copyOf(r.distributions().stream()
                .filter(d -> d.token().equals("kl")).findFirst().orElseThrow().values().keySet()));
    }

    /** The rows of a report's plots/NAME.csv under its header. */
    private static List<List<String>> csvRows(Path report, String name, List<String> header) throws IOException {
        List<List<String>> rows = Csv.parse(Files.readString(report.resolve("plots").resolve(name)));
        assertEquals(header, rows.get(0), name);
        return rows.subList(1, rows.size());
    }

    @Test
    void plotCsvsHoldThePlottedValuesAndQuoteNamesWithCommasAndQuotes() throws IOException {
        Map<String, Path> runs = threeRuns();
        Map<String, Path> compare = new LinkedHashMap<>();
        compare.put("sft, \"v2\"", runs.get("sft"));
        compare.put("grpo", runs.get("grpo"));
        ReportResult r = Report.build(runs.get("base"), compare, List.of(), new ReportOptions(4, 200, 0.95));
        Path out = tmp.resolve("report");
        Report.write(r, out);
        List<String> all = List.of("base", "sft, \"v2\"", "grpo");

        // primary.png: the first metric of each task, one row per task and model
        List<List<String>> primary = csvRows(out, "primary.csv", List.of("panel", "model", "value", "lo", "hi"));
        assertEquals(r.tasks().size() * all.size(), primary.size());
        int i = 0;
        for (ReportResult.TaskReport t : r.tasks()) {
            MetricReport m = t.metrics().get(0);
            for (String model : all) {
                List<String> row = primary.get(i++);
                assertEquals(t.task() + " (" + t.category() + ", n=" + t.examples() + ")", row.get(0));
                assertEquals(model, row.get(1));
                Estimate e = m.values().get(model);
                assertEquals(e.value(), Csv.parseNumber(row.get(2)), 0.0, row.toString());
                assertEquals(e.lo(), Csv.parseNumber(row.get(3)), 0.0, row.toString());
                assertEquals(e.hi(), Csv.parseNumber(row.get(4)), 0.0, row.toString());
            }
        }
        assertTrue(Files.readString(out.resolve("plots/primary.csv")).contains(",\"sft, \"\"v2\"\"\","),
                "RFC 4180 quoting of the model's name");

        // alignment-tax.png: one row per taxed metric and model, NaN-free here
        List<List<String>> tax = csvRows(out, "alignment-tax.csv", List.of("panel", "model", "value", "lo", "hi"));
        assertEquals(r.alignmentTax().size(), tax.size());
        for (Change c : r.alignmentTax()) {
            List<String> row = tax.stream().filter(x -> x.get(0).equals(c.task() + " / " + c.metric())
                    && x.get(1).equals(c.model())).findFirst().orElseThrow(() -> new AssertionError(c.toString()));
            assertEquals(c.change(), Csv.parseNumber(row.get(2)), 0.0);
            assertEquals(c.lo(), Csv.parseNumber(row.get(3)), 0.0);
            assertEquals(c.hi(), Csv.parseNumber(row.get(4)), 0.0);
        }

        // forget_ppl-nll.png: the ECDF's steps, each the fraction of the model's tokens at or below the value
        List<List<String>> nll = csvRows(out, "forget_ppl-nll.csv", List.of("model", "value", "fraction"));
        Map<String, float[]> tokens = r.distributions().stream().filter(d -> d.token().equals("nll")).findFirst()
                .orElseThrow().values();
        assertEquals(all, nll.stream().map(row -> row.get(0)).distinct().toList());
        for (String model : all) {
            float[] v = tokens.get(model);
            List<List<String>> rows = nll.stream().filter(row -> row.get(0).equals(model)).toList();
            assertEquals(v.length, IntStream.range(0, v.length).mapToObj(k -> v[k]).distinct().count(),
                    "the fixture's tokens are distinct, so one row per token");
            assertEquals(v.length, rows.size());
            for (List<String> row : rows) {
                double x = Csv.parseNumber(row.get(1));
                long below = IntStream.range(0, v.length).filter(k -> v[k] <= x).count();
                assertTrue(IntStream.range(0, v.length).anyMatch(k -> v[k] == x), "a token value: " + row);
                assertEquals((double) below / v.length, Csv.parseNumber(row.get(2)), 0.0, row.toString());
            }
        }
    }

    // ---- (g) corpus BLEU ----

    @Test
    void corpusBleuIntervalsContainThePointEstimate() throws IOException {
        ReportResult r = build(threeRuns(), new ReportOptions(6, 400, 0.95));
        MetricReport m = r.task("target_mt").metric("bleu");
        assertEquals("corpus_bleu", m.aggregate());
        for (Map.Entry<String, Estimate> e : m.values().entrySet()) {
            Estimate v = e.getValue();
            assertTrue(v.lo() < v.value() && v.value() < v.hi(), e.toString());
            assertTrue(v.hi() - v.lo() > 1 && v.hi() - v.lo() < 30, e.toString());
        }
        for (Delta d : m.deltas().values()) {
            assertTrue(d.lo() <= d.delta() && d.delta() <= d.hi(), d.toString());
        }
    }

    // ---- (h) and other errors ----

    @Test
    void mismatchedIdsNameTheTask() throws IOException {
        writeMeanTask(tmp.resolve("base"), "hellaswag", "general", "acc", 20, i -> i % 2);
        List<ExampleRecord> ex = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ex.add(new ExampleRecord(i == 7 ? "other7" : "q" + i, null, null, null, Map.of("acc", 1.0), null, null,
                    null));
        }
        Aggregate agg = new Aggregate.Mean("acc");
        write(tmp.resolve("tuned"), "hellaswag", "multiple_choice", "general", ex,
                List.of(new MetricResult("acc", 1.0, agg, true, null)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Report.build(
                tmp.resolve("base"), Map.of("tuned", tmp.resolve("tuned")), List.of(), ReportOptions.defaults(0)));
        assertTrue(e.getMessage().contains("hellaswag") && e.getMessage().contains("q7")
                && e.getMessage().contains("other7"), e.getMessage());
    }

    @Test
    void mismatchedAggregatesAreAnError() throws IOException {
        writeMeanTask(tmp.resolve("base"), "qa", "general", "acc", 10, i -> 1);
        List<ExampleRecord> ex = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ex.add(new ExampleRecord("q" + i, null, null, null, Map.of("acc", 1.0, "acc_norm", 0.0), null, null,
                    null));
        }
        write(tmp.resolve("tuned"), "qa", "multiple_choice", "general", ex,
                List.of(new MetricResult("acc", 0.0, new Aggregate.Mean("acc_norm"), true, null)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Report.build(
                tmp.resolve("base"), Map.of("tuned", tmp.resolve("tuned")), List.of(), ReportOptions.defaults(0)));
        assertTrue(e.getMessage().contains("'qa'") && e.getMessage().contains("acc_norm"), e.getMessage());
    }

    @Test
    void missingRunFolderIsAnError() throws IOException {
        writeMeanTask(tmp.resolve("base"), "qa", "general", "acc", 10, i -> 1);
        IOException e = assertThrows(IOException.class, () -> Report.build(tmp.resolve("base"),
                Map.of("sft", tmp.resolve("nope")), List.of(), ReportOptions.defaults(0)));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void tasksAbsentFromSomeRunsAreSkippedWithNotesUnlessNothingIsComparable() throws IOException {
        writeMeanTask(tmp.resolve("base"), "qa", "general", "acc", 30, i -> i % 2);
        writeMeanTask(tmp.resolve("base"), "only_base", "general", "acc", 30, i -> 1);
        writeMeanTask(tmp.resolve("sft"), "qa", "general", "acc", 30, i -> 1);
        writeMeanTask(tmp.resolve("sft"), "only_sft", "target", "acc", 30, i -> 1);
        writeMeanTask(tmp.resolve("grpo"), "only_base", "general", "acc", 30, i -> 0);
        Map<String, Path> compare = new LinkedHashMap<>();
        compare.put("sft", tmp.resolve("sft"));
        compare.put("grpo", tmp.resolve("grpo"));
        ReportResult r = Report.build(tmp.resolve("base"), compare, List.of(), ReportOptions.defaults(1));
        assertEquals(List.of("only_base", "qa"), r.tasks().stream().map(ReportResult.TaskReport::task).toList());
        assertEquals(List.of("base", "sft"), r.task("qa").models());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("'qa'") && n.contains("grpo")), r.notes().toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("'only_sft'") && n.contains("skipped")));
        Report.write(r, tmp.resolve("out"));
        assertTrue(Files.readString(tmp.resolve("out/report.md")).contains("—"), "absent model cell");

        writeMeanTask(tmp.resolve("other"), "unrelated", "general", "acc", 30, i -> 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Report.build(
                tmp.resolve("base"), Map.of("other", tmp.resolve("other")), List.of(), ReportOptions.defaults(0)));
        assertTrue(e.getMessage().contains("nothing to compare") && e.getMessage().contains("unrelated"),
                e.getMessage());
    }

    @Test
    void judgeFoldersAreReportedWithIntervals() throws IOException {
        writeMeanTask(tmp.resolve("base"), "qa", "general", "acc", 30, i -> i % 2);
        writeMeanTask(tmp.resolve("sft"), "qa", "general", "acc", 30, i -> 1);
        writeMeanTask(tmp.resolve("judged"), "mt_bench_judge", "judge", "win_rate", 200, i -> i % 4 == 0 ? 1 : 0);
        ReportResult r = Report.build(tmp.resolve("base"), Map.of("sft", tmp.resolve("sft")),
                List.of(tmp.resolve("judged/mt_bench_judge")), ReportOptions.defaults(2));
        assertEquals(1, r.judge().size());
        Estimate e = r.judge().get(0).metrics().get(0).values().get("judged");
        assertEquals(0.25, e.value(), 1e-12);
        assertTrue(e.lo() < 0.25 && e.hi() > 0.25 && e.hi() - e.lo() < 0.15, e.toString());
        assertNotEquals(e.lo(), e.hi());
        Report.write(r, tmp.resolve("out"));
        assertTrue(Files.readString(tmp.resolve("out/report.md")).contains("## Judge"));
    }
}
