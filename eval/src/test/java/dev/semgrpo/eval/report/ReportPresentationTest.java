package dev.semgrpo.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.report.ReportResult.Change;
import dev.semgrpo.eval.report.ReportResult.RunIdentity;
import dev.semgrpo.eval.report.ReportWriter.Table;
import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.EvalInfo;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.results.TaskSummary;
import dev.semgrpo.eval.task.Similarity;
import dev.semgrpo.model.io.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a reader sees: units, p-values, markers, row order, identities, summary and caveats. */
class ReportPresentationTest {
    @TempDir
    Path tmp;

    private Map<String, Path> threeRuns() throws IOException {
        ReportTest t = new ReportTest();
        t.tmp = tmp;
        return t.threeRuns();
    }

    @Test
    void pValuesAtTheResamplingFloorReadAsBelowOneOverB() {
        assertEquals("< 0.001", ReportWriter.formatP(1.0 / 1001, 1000));
        assertEquals("< 0.0005", ReportWriter.formatP(1.0 / 2001, 2000));
        assertEquals("< 0.005", ReportWriter.formatP(1.0 / 201, 200));
        assertEquals("0.00200", ReportWriter.formatP(2.0 / 1001, 1000), "one resample above the floor is a number");
        assertEquals("0.0123", ReportWriter.formatP(0.0123, 1000));
        assertEquals("1.00", ReportWriter.formatP(1, 1000));
        assertEquals("n/a", ReportWriter.formatP(Double.NaN, 1000));
    }

    @Test
    void everyMetricHasItsScale() {
        assertEquals("0-100", MetricScale.of("chrf++", "corpus_chrf"));
        assertEquals("0-100", MetricScale.of("bleu(tok=zh)", "corpus_bleu"));
        assertEquals("0-100", MetricScale.of("chrf", "mean"), "sentence chrF");
        assertEquals("0-1", MetricScale.of("rouge_l", "mean"));
        assertEquals("cosine, -1 to 1", MetricScale.of("similarity", "mean"));
        assertEquals("0-100", MetricScale.of("squad_f1", "mean"));
        assertEquals("0-100", MetricScale.of("cmrc_em", "mean"));
        assertEquals("fraction, 0-1", MetricScale.of("exact_match(extract=gsm8k)", "mean"));
        assertEquals("fraction, 0-1", MetricScale.of("acc_norm", "mean"));
        assertEquals("fraction, 0-1", MetricScale.of("win_rate", "mean"));
        assertEquals("nats per token", MetricScale.of("nll_p90", "token_quantile"));
        assertEquals("nats per token", MetricScale.of("kl_mean", "token_mean"));
        assertEquals(MetricScale.UNKNOWN, MetricScale.of("my_metric", "mean"));
        assertEquals("nats", MetricScale.tokenUnit("kl"));
    }

    @Test
    void tablesCarryTheScaleInTheirHeadersAndRows() throws IOException {
        ReportResult r = ReportTest.build(threeRuns(), new ReportOptions(4, 200, 0.95));
        List<Table> tables = ReportWriter.tables(r);
        for (Table t : tables) {
            assertTrue(t.header().contains(ReportWriter.SCALE), t.title() + ": " + t.header());
            int col = t.header().indexOf(ReportWriter.SCALE);
            for (List<String> row : t.rows()) {
                assertFalse(row.get(col).equals(MetricScale.UNKNOWN), t.title() + " " + row);
            }
        }
        Table results = tables.get(0);
        assertTrue(results.header().contains("base: value [95% CI]"), results.header()
                .toString());
        assertTrue(results.rows().stream().anyMatch(row -> row.get(0).equals("target_mt") && row.get(4).equals(
                "0-100")));
        assertTrue(results.rows().stream().anyMatch(row -> row.get(0).equals("forget_ppl") && row.get(4).equals(
                "nats per token")));
    }

    @Test
    void changeRowsFollowTheModelOrderGivenThenTaskThenMetric() throws IOException {
        Map<String, Path> runs = threeRuns();
        Map<String, Path> compare = new LinkedHashMap<>();
        compare.put("grpo", runs.get("grpo")); // not alphabetical: the order given wins
        compare.put("sft", runs.get("sft"));
        ReportResult r = Report.build(runs.get("base"), compare, List.of(), new ReportOptions(4, 200, 0.95),
                ReportTest.WRITTEN);
        List<String> expected = new ArrayList<>();
        for (String model : List.of("grpo", "sft")) {
            for (ReportResult.TaskReport t : r.tasks()) {
                if (t.category().equals("target")) {
                    continue;
                }
                for (ReportResult.MetricReport m : t.metrics()) {
                    if (t.models().contains(model) && (m.deltas().containsKey(model))) {
                        expected.add(model + " " + t.task() + " " + m.metric());
                    }
                }
            }
        }
        assertEquals(expected, r.alignmentTax().stream().map(c -> c.model() + " " + c.task() + " " + c.metric())
                .toList());
        assertEquals(List.of("grpo", "sft"), r.targetGains().stream().map(Change::model).toList());
        // the tables show the same order
        Table tax = ReportWriter.tables(r).get(1);
        assertEquals(expected, tax.rows().stream().map(row -> row.get(3) + " " + row.get(0) + " " + row.get(1))
                .toList());
        // and so does the KL metric, which only the compare runs have: after nll, nll_p90 of the same model
        assertTrue(expected.indexOf("grpo forget_ppl kl_mean") < expected.indexOf("sft general_qa acc"),
                expected.toString());
    }

    private static Change change(double change, double lo, double hi) {
        return new Change("t", "general", "acc", "m", 0.5, 0.5 + change, change, lo, hi, 0.01, lo > 0 || hi < 0);
    }

    @Test
    void theSignificanceMarkerSaysBetterOrWorseByTheMetricsDirection() {
        assertEquals(ReportWriter.WORSE, ReportWriter.marker(change(0.1, 0.05, 0.15), true), "a positive tax");
        assertEquals(ReportWriter.BETTER, ReportWriter.marker(change(-0.1, -0.15, -0.05), true), "a negative tax");
        assertEquals(ReportWriter.BETTER, ReportWriter.marker(change(0.1, 0.05, 0.15), false), "a positive gain");
        assertEquals(ReportWriter.WORSE, ReportWriter.marker(change(-0.1, -0.15, -0.05), false), "a negative gain");
        assertEquals("no", ReportWriter.marker(change(0.1, -0.05, 0.25), true));
        assertEquals("sig-worse", ReportWriter.markerClass(ReportWriter.WORSE));
        assertEquals("sig-better", ReportWriter.markerClass(ReportWriter.BETTER));
        assertNull(ReportWriter.markerClass("no"));
    }

    @Test
    void htmlColoursWorseAndBetterApart() throws IOException {
        ReportResult r = ReportTest.build(threeRuns(), new ReportOptions(4, 200, 0.95));
        Path out = tmp.resolve("report");
        Report.write(r, out);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("td.sig-worse{font-weight:bold;color:#d55e00}"), "vermillion for worse");
        assertTrue(html.contains("td.sig-better{font-weight:bold;color:#0072b2}"), "blue for better");
        // sft's nll shift of +0.3 nats is a significant tax; grpo's target BLEU gain is significant and better
        assertTrue(html.contains("<td class=\"sig-worse\">yes, worse</td>"), "a worse marker");
        assertTrue(html.contains("<td class=\"sig-better\">yes, better</td>"), "a better marker");
        for (Change c : r.alignmentTax()) {
            if (c.significant() && c.change() > 0) {
                assertEquals(ReportWriter.WORSE, ReportWriter.marker(c, true), c.toString());
            }
        }
        assertFalse(html.contains(">0.000<") || html.contains("<td>0</td>"), "no p-value shown as 0");
    }

    /** A generate task with a similarity metric; the encoder's path in the notes unless {@code recorded} is false. */
    private static void writeSimilarityTask(Path run, String encoder, boolean recorded) throws IOException {
        Random r = new Random(5);
        List<ExampleRecord> ex = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ex.add(new ExampleRecord("s" + i, "src", "out", List.of("ref"), Map.of("similarity", r.nextDouble()),
                    null, null, null));
        }
        Aggregate agg = new Aggregate.Mean("similarity");
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        ObjectNode notes = config.putObject("notes");
        if (recorded) {
            notes.put(Similarity.ENCODER_NOTE, encoder);
        }
        EvalResults.write(run, new TaskSummary("mt_sim", "generate", "target", ex.size(), "unused", null, null,
                List.of(new MetricResult("similarity", agg.compute(ex), agg, true, "encoder:"
                        + Path.of(encoder).getFileName() + "|pool:max-over-refs|cos")), 1.0, config), ex);
    }

    @Test
    void reportsStateTheirDateVersionAndTheIdentityOfEveryModelAndEncoder() throws IOException {
        Path base = tmp.resolve("eval-base");
        Path tuned = tmp.resolve("eval-tuned");
        writeSimilarityTask(base, "/models/labse-bo/encoder", true);
        writeSimilarityTask(tuned, "/models/labse-bo/encoder", false); // an evaluation from before the note
        new EvalInfo("/models/qwen3-4b", null, null, "gpu", "float16", List.of("mt_sim"), "2026-01-01T10:00:00Z",
                "17", "PyTorch 2.7.1", "local DJL engine", null, null).write(base);
        new EvalInfo("/models/qwen3-4b", "/runs/grpo/checkpoints/step-300", null, "gpu", "float16",
                List.of("mt_sim"), "2026-01-01T11:00:00Z", "17", "PyTorch 2.7.1", "local DJL engine", null, null)
                .write(tuned);
        ReportResult r = Report.build(base, Map.of("grpo", tuned), List.of(), new ReportOptions(1, 100, 0.95),
                ReportTest.WRITTEN);
        assertEquals("2026-01-02T03:04:05Z", r.info().created());
        assertEquals(Provenance.version(), r.info().semgrpoVersion());
        RunIdentity b = r.info().runs().get(0);
        RunIdentity g = r.info().runs().get(1);
        assertEquals(List.of("base", "/models/qwen3-4b", "/models/labse-bo/encoder"), List.of(b.name(), b.model(),
                b.encoders().get(0)));
        assertEquals("/runs/grpo/checkpoints/step-300", g.adapter());
        assertEquals(List.of("encoder (folder name only: this evaluation did not record the encoder's path)"),
                g.encoders());

        Path out = tmp.resolve("report");
        Report.write(r, out);
        for (String file : List.of("report.md", "report.html")) {
            String text = Files.readString(out.resolve(file));
            assertTrue(text.contains("Written 2026-01-02T03:04:05Z by semgrpo " + Provenance.version()), file);
            for (String s : List.of(base.toString(), tuned.toString(), "/models/qwen3-4b",
                    "/runs/grpo/checkpoints/step-300", "/models/labse-bo/encoder", "local DJL engine",
                    "2026-01-01T11:00:00Z")) {
                assertTrue(text.contains(s), file + " names " + s);
            }
            String compared = text.substring(text.indexOf("What was compared"), text.indexOf("Summary"));
            assertFalse(compared.contains("encoder:encoder"), file + ": the encoder by its path, not its signature");
            assertTrue(text.contains("## Caveats") || text.contains("<h2>Caveats</h2>"), file);
            assertTrue(text.contains("Similarity is the cosine under the sentence encoder /models/labse-bo/encoder"),
                    file);
            assertTrue(text.contains("mt_sim (n=40) has fewer than 100 examples"), file);
        }
        ReportResult back = Report.read(out);
        assertEquals(r.info(), back.info(), "report.json keeps the identities");
        assertEquals(r.summary(), back.summary());
        assertEquals(r.caveats(), back.caveats());
    }

    @Test
    void theSummaryCountsAndNamesSignificantChangesPerModel() throws IOException {
        ReportResult r = ReportTest.build(threeRuns(), new ReportOptions(4, 200, 0.95));
        List<String> lines = r.summary();
        assertEquals(1 + 2 * r.models().size(), lines.size(), lines.toString());
        for (String model : r.models()) {
            long taxed = r.alignmentTax().stream().filter(c -> c.model().equals(model)).count();
            long worse = r.alignmentTax().stream().filter(c -> c.model().equals(model) && c.significant()
                    && c.change() > 0).count();
            String line = lines.stream().filter(l -> l.startsWith(model + " vs base, general and forgetting"))
                    .findFirst().orElseThrow();
            assertTrue(line.contains("of " + taxed + " metrics"), line);
            assertTrue(line.contains("significantly worse on " + worse), line);
        }
        String sft = lines.stream().filter(l -> l.startsWith("sft vs base, general")).findFirst().orElseThrow();
        assertTrue(sft.contains("forget_ppl nll ") && sft.contains("nats per token"), sft);
        int k = r.alignmentTax().size() + r.targetGains().size();
        assertTrue(r.caveats().get(0).startsWith("Multiple comparisons: " + k + " changes are tested"),
                r.caveats().get(0));
        assertTrue(r.caveats().get(0).contains(String.format(java.util.Locale.ROOT, "= %.1f", 0.05 * k)),
                r.caveats().get(0));
        assertTrue(r.caveats().get(1).contains("'< 1/B' = '< 0.005'"), r.caveats().get(1));
    }
}
