package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.report.ReportOptions;
import dev.semgrpo.eval.report.ReportResult;
import dev.semgrpo.eval.report.ReportResult.Change;
import dev.semgrpo.pipeline.StageOutputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoSummaryTest {
    private static Change row(String task, String metric, String model, double change, double lo, double hi) {
        return new Change(task, "general", metric, model, 0, change, change, lo, hi, 0.5, lo > 0 || hi < 0);
    }

    private static ReportResult report(List<Change> tax, List<Change> gains) {
        return new ReportResult("base", Map.of(), ReportOptions.defaults(1), "p", List.of(), tax, gains, List.of(),
                List.of(), null, List.of(), List.of(), List.of());
    }

    /** A main report: target gains and tax rows of cold_start, strong_sft and grpo against the base. */
    private static ReportResult report(double grpoTaxLo, double grpoTaxHi) {
        return report(List.of(row("nll", "nll_mean", "cold_start", 0.1, 0.05, 0.15),
                row("nll", "nll_mean", "strong_sft", 2.0, 1.8, 2.2),
                row("nll", "nll_mean", "grpo", (grpoTaxLo + grpoTaxHi) / 2, grpoTaxLo, grpoTaxHi)),
                List.of(row("mt", "chrf++", "cold_start", 2, 1, 3), row("mt", "chrf++", "grpo", 5, 4, 6),
                        row("mt", "similarity", "grpo", 0.2, 0.1, 0.3)));
    }

    private static ReportResult vsCold(double gainLo, double gainHi, double taxLo, double taxHi, Change... more) {
        List<Change> gains = new ArrayList<>(List.of(row("mt", "chrf++", "grpo", (gainLo + gainHi) / 2, gainLo,
                gainHi)));
        gains.addAll(List.of(more));
        return report(List.of(row("nll", "nll_mean", "grpo", (taxLo + taxHi) / 2, taxLo, taxHi)), gains);
    }

    private static String claim(List<String> lines, String part) {
        return lines.stream().filter(l -> l.contains(part)).findFirst().orElseThrow(() -> new AssertionError(
                "no line on '" + part + "' in " + String.join("\n", lines)));
    }

    @Test
    void eachPartOfTheClaimIsDecidedByItsOwnComparison() {
        StageOutputs.Encoded enc = new StageOutputs.Encoded(Path.of("enc"), 0.02, 0.5, 400, 40, 0.025);
        List<String> shown = DemoSummary.lines(report(0.05, 0.2), vsCold(1, 5, -0.05, 0.1), enc);
        assertTrue(claim(shown, "raises the target").startsWith("  SHOWN ") && claim(shown, "raises the target")
                .contains("higher on mt +3.000 [+1.000, +5.000]"), String.join("\n", shown));
        assertTrue(claim(shown, "no tax of its own").startsWith("  SHOWN"), String.join("\n", shown));
        assertTrue(claim(shown, "strong SFT pays more").startsWith("  SHOWN"), String.join("\n", shown));
        assertTrue(claim(shown, "reward encoder").contains("0.020 -> 0.500 on 40 pairs (chance 0.025)"));
        assertTrue(claim(shown, "note:").contains("cold start itself already pays"), String.join("\n", shown));

        // a gain interval that reaches 0 is not a gain; a tax interval above 0 and large against strong SFT's is
        // a tax; overlapping tax intervals are not "more"
        List<String> not = DemoSummary.lines(report(1.5, 2.5), vsCold(-0.5, 4, 0.5, 0.9), enc);
        assertTrue(claim(not, "raises the target").startsWith("  NOT SHOWN"), String.join("\n", not));
        assertTrue(claim(not, "no tax of its own").startsWith("  NOT SHOWN") && claim(not, "no tax of its own")
                .contains("strong SFT's tax +2.000"), String.join("\n", not));
        assertTrue(claim(not, "strong SFT pays more").startsWith("  NOT SHOWN"), String.join("\n", not));

        // a small but significant change passes as small against strong SFT's tax (10%) and is named
        List<String> small = DemoSummary.lines(report(0.05, 0.2), vsCold(1, 5, 0.05, 0.15), null);
        assertTrue(claim(small, "no tax of its own").contains("worse but small: nll nll_mean +0.100"),
                String.join("\n", small));
        assertEquals(0, small.stream().filter(l -> l.contains("reward encoder")).count());

        // a gain on one task does not make the claim when another target task got significantly worse
        ReportResult mixed = vsCold(1, 5, -0.05, 0.1, row("numbers", "chrf++", "grpo", -2, -3, -1));
        String m = claim(DemoSummary.lines(report(0.05, 0.2), mixed, null), "raises the target");
        assertTrue(m.startsWith("  MIXED") && m.contains("lower on numbers -2.000 [-3.000, -1.000]"), m);

        // a gain carried by filler (a run of one letter up to the length limit) is not a gain
        String f = claim(DemoSummary.lines(report(0.05, 0.2), vsCold(1, 5, -0.05, 0.1), null,
                Map.of("mt", new DegenerateOutputs(7, 11))), "raises the target");
        assertTrue(f.startsWith("  NOT SHOWN") && f.contains("higher only through filler on mt +3.000 [+1.000, +5.000],"
                + " but 7 of 11 GRPO outputs there are filler"), f);
        String text = claim(DemoSummary.lines(report(0.05, 0.2), vsCold(1, 5, -0.05, 0.1), null,
                Map.of("mt", new DegenerateOutputs(5, 11))), "raises the target");
        assertTrue(text.startsWith("  SHOWN"), text);

        // without the cold-start comparison nothing is claimed
        List<String> none = DemoSummary.lines(report(0.05, 0.2), null, null);
        assertTrue(claim(none, "not decided").contains("missing"), String.join("\n", none));
    }

    @Test
    void fillerIsALengthLimitedRunOfOneLetter(@org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
        assertTrue(DegenerateOutputs.isFiller("\u0f51\u0f51\u0f51\u0f56\u0f51\u0f56\u0f56\u0f56\u0f56\u0f56"));
        assertTrue(!DegenerateOutputs.isFiller("\u0f51\u0f7c\u0f53\u0f0b\u0f5a\u0f53\u0f0b"));
        assertTrue(!DegenerateOutputs.isFiller(""));
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<dev.semgrpo.eval.results.ExampleRecord> ex = List.of(
                example("a", "\u0f56\u0f56\u0f56\u0f51", json.createObjectNode().put("finish_reason", "length")),
                example("b", "\u0f56\u0f56\u0f56\u0f51", json.createObjectNode().put("finish_reason", "stop")),
                example("c", "\u0f51\u0f7c\u0f53\u0f0b", json.createObjectNode().put("finish_reason", "length")),
                example("d", "\u0f56\u0f56\u0f56\u0f51", null));
        assertEquals(new DegenerateOutputs(1, 4), DegenerateOutputs.of(ex));
        // the demo reads the records through the evaluation's own reader, which names a bad line
        dev.semgrpo.eval.results.EvalResults.write(dir, new dev.semgrpo.eval.results.TaskSummary("mt", "generate",
                "target", ex.size(), "m", null, null, List.of(), 0, null), ex);
        assertEquals(new DegenerateOutputs(1, 4), DegenerateOutputs.of(
                dev.semgrpo.eval.results.EvalResults.readTask(dir.resolve("mt")).examples()));
        java.nio.file.Files.writeString(dir.resolve("mt/examples.jsonl"), "{\"id\": \"a\"}\nnot json\n");
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> dev.semgrpo.eval.results.EvalResults.readTask(dir.resolve("mt")));
        assertTrue(e.getMessage().contains("examples.jsonl:2: not valid JSON"), e.getMessage());
    }

    private static dev.semgrpo.eval.results.ExampleRecord example(String id, String output,
            com.fasterxml.jackson.databind.JsonNode extra) {
        return new dev.semgrpo.eval.results.ExampleRecord(id, "", output, List.of(), Map.of(), Map.of(), Map.of(),
                extra);
    }
}
