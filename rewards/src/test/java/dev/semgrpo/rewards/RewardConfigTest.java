package dev.semgrpo.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.rewards.config.RewardConfig;
import dev.semgrpo.rewards.config.RewardStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardConfigTest {
    @TempDir
    Path dir;

    private static Path configs() {
        Path p = Path.of("..", "configs", "rewards");
        return Files.isDirectory(p) ? p : Path.of("configs", "rewards");
    }

    @Test
    void shippedConfigsParse() throws IOException {
        RewardConfig paper = RewardConfig.load(configs().resolve("paper.yaml"));
        assertEquals(2, paper.rewards().size());
        assertTrue(paper.rewards().get(0) instanceof RewardConfig.Semantic);
        assertEquals(1.5, paper.rewards().get(0).weightOr1());
        assertEquals("auto", ((RewardConfig.Semantic) paper.rewards().get(0)).tau().asText());
        assertEquals(0.0, ((RewardConfig.Semantic) paper.rewards().get(0)).tauFloor(), "the floor, explicit");
        assertEquals(1.0, paper.rewards().get(1).weightOr1());
        RewardConfig abl = RewardConfig.load(configs().resolve("ablation-chrf.yaml"));
        try (RewardStack s = RewardStack.build(abl, configs())) {
            assertEquals(4, s.reward().parts().size());
        }
    }

    @Test
    void badConfigsNameTheProblem() throws IOException {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "rewards:\n  - type: language\n    scripts: [tibetan]\n    treshold: 0.9\n");
        IOException e = assertThrows(IOException.class, () -> RewardConfig.load(f));
        assertTrue(e.getMessage().contains("bad.yaml: near line") && e.getMessage().contains("rewards[0].treshold")
                && e.getMessage().contains("threshold"), e.getMessage());
        Files.writeString(f, "rewards:\n  - type: semantics\n");
        e = assertThrows(IOException.class, () -> RewardConfig.load(f));
        assertTrue(e.getMessage().contains("unknown reward type 'semantics'"), e.getMessage());
        Files.writeString(f, "rewards:\n  - type: semantic\n    tau: 0.5\n");
        e = assertThrows(IOException.class, () -> RewardConfig.load(f));
        assertTrue(e.getMessage().contains("encoder.path"), e.getMessage());
        RewardConfig lang = RewardConfig.parse("rewards:\n  - type: language\n    scripts: [elvish]\n");
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> RewardStack.build(lang, dir));
        assertTrue(iae.getMessage().contains("elvish"), iae.getMessage());
    }

    @Test
    void bleuRewardTakesSacrebleuSmoothingAndEffectiveOrder() throws IOException {
        // test_sentence_bleu.py: sentence_bleu(SYS, [REF], smooth_method='add-k', smooth_value=2) = 21.389
        String ref = "producţia de zahăr brut se exprimă în zahăr alb;";
        String sys = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";
        RewardConfig c = RewardConfig.parse("rewards:\n  - type: bleu\n    smooth: add-k\n    smooth_value: 2\n"
                + "  - type: bleu\n    name: floor\n    smooth: floor\n"
                + "  - type: bleu\n    name: short\n    smooth: floor\n    effective_order: false\n");
        try (RewardStack s = RewardStack.build(c, dir)) {
            RewardOutput out = s.reward().score(List.of(RewardSample.of(sys, ref), RewardSample.of("a b", "a c")));
            assertEquals(0.21389, out.components().get("bleu")[0], 1e-5);
            assertEquals(0.0451688, out.components().get("floor")[0], 1e-5);
            // "a b" vs "a c", floor 0.1: sqrt(1/2 * 0.1) with effective order, 0 without (empty orders count 0)
            assertEquals(Math.sqrt(0.05), out.components().get("floor")[1], 1e-6);
            assertEquals(0.0, out.components().get("short")[1], 0);
        }
        Path f = dir.resolve("bleu.yaml");
        Files.writeString(f, "rewards:\n  - type: bleu\n    smooth: lin\n");
        IOException e = assertThrows(IOException.class, () -> RewardConfig.load(f));
        assertTrue(e.getMessage().contains("bleu.yaml: near line") && e.getMessage().contains("rewards[0]")
                && e.getMessage().contains("unknown BLEU smoothing method 'lin'"), e.getMessage());
        Files.writeString(f, "rewards:\n  - type: bleu\n    smooth_value: 0.5\n");
        e = assertThrows(IOException.class, () -> RewardConfig.load(f));
        assertTrue(e.getMessage().contains("'smooth_value' applies only to smooth: floor or add-k, found smooth: exp"),
                e.getMessage());
        Files.writeString(f, "rewards:\n  - type: bleu\n    smooth: add-k\n    smooth_value: -1\n");
        e = assertThrows(IOException.class, () -> RewardConfig.load(f));
        assertTrue(e.getMessage().contains("smooth_value for add-k must be a finite number > 0, found -1.0"),
                e.getMessage());
    }

    @Test
    void paperStackWithAutoTauOnARealEncoder() throws IOException {
        Path calib = dir.resolve("calib.jsonl");
        Files.writeString(calib, String.join("\n",
                "{\"completion\": \"The weather is nice.\", \"reference\": \"The weather is lovely today.\"}",
                "{\"completion\": \"Markets fell.\", \"reference\": \"The weather is lovely today.\"}",
                "{\"completion\": \"A cat sleeps.\", \"references\": [\"A cat is sleeping.\", \"A dog.\"]}",
                "{\"completion\": \"I like tea.\", \"reference\": \"Tea is what I like.\"}"));
        Path cfg = dir.resolve("r.yaml");
        Files.writeString(cfg, "encoder:\n  path: " + MiniLm.nativeDir().toAbsolutePath() + "\nrewards:\n"
                + "  - type: semantic\n    weight: 1.5\n    tau: auto\n    calibration: calib.jsonl\n    percentile: 25\n"
                + "  - type: language\n    scripts: [latin]\n");
        try (RewardStack s = RewardStack.build(RewardConfig.load(cfg), dir)) {
            double tau = s.taus().get("semantic");
            assertTrue(tau > 0 && tau < 1, "tau " + tau);
            SemanticReward.TauCalibration cal = s.calibrations().get("semantic");
            assertEquals(tau, cal.tau());
            assertEquals(Math.max(cal.percentileValue(), 0.0), tau, 1e-12, "the default floor is 0: " + cal);
            assertEquals(25, cal.percentile());
            assertEquals(4, cal.used());
            RewardOutput out = s.reward().score(List.of(RewardSample.of("The weather is lovely today.",
                    "The weather is lovely today."), RewardSample.of("今天天气很好", "The weather is lovely today.")));
            assertEquals(1.5 * 1 + 1.0, out.rewards()[0], 1e-4);
            assertEquals(0f, out.components().get("language")[1]);
        }
    }

    @Test
    void tauFloorIsConfigurableAndOnlyForAutoTau() throws IOException {
        Path calib = dir.resolve("calib.jsonl");
        Files.writeString(calib, String.join("\n",
                "{\"completion\": \"Markets fell.\", \"reference\": \"The weather is lovely today.\"}",
                "{\"completion\": \"I like tea.\", \"reference\": \"A dog runs in the park.\"}",
                "{\"completion\": \"\", \"reference\": \"A dog runs in the park.\"}"));
        String head = "encoder:\n  path: " + MiniLm.nativeDir().toAbsolutePath() + "\nrewards:\n  - type: semantic\n";
        Path cfg = dir.resolve("r.yaml");
        Files.writeString(cfg, head + "    tau: auto\n    calibration: calib.jsonl\n    percentile: 0\n"
                + "    tau_floor: 0.9\n");
        try (RewardStack s = RewardStack.build(RewardConfig.load(cfg), dir)) {
            SemanticReward.TauCalibration cal = s.calibrations().get("semantic");
            assertTrue(cal.percentileValue() < 0.9 && cal.floored(), cal.toString());
            assertEquals(0.9, s.taus().get("semantic"), 1e-12);
            assertEquals(3, cal.records());
            assertEquals(2, cal.used());
        }
        Files.writeString(cfg, head + "    tau: 0.2\n    tau_floor: 0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RewardStack.build(RewardConfig.load(cfg), dir));
        assertTrue(e.getMessage().contains("tau_floor applies only to tau: auto"), e.getMessage());
        Files.writeString(cfg, head + "    tau: auto\n    calibration: calib.jsonl\n    tau_floor: 1.5\n");
        e = assertThrows(IllegalArgumentException.class, () -> RewardStack.build(RewardConfig.load(cfg), dir));
        assertTrue(e.getMessage().contains("tau_floor must be in [-1, 1), found 1.5"), e.getMessage());
        Files.writeString(calib, "{\"completion\": \" \", \"reference\": \"A dog.\"}\n");
        Files.writeString(cfg, head + "    tau: auto\n    calibration: calib.jsonl\n");
        e = assertThrows(IllegalArgumentException.class, () -> RewardStack.build(RewardConfig.load(cfg), dir));
        assertTrue(e.getMessage().contains("calib.jsonl") && e.getMessage().contains("none of the 1 records"),
                e.getMessage());
        Files.writeString(cfg, head + "    tau: auto\n    calibration: calib.jsonl\n    tau_flor: 0\n");
        IOException io = assertThrows(IOException.class, () -> RewardConfig.load(cfg));
        assertTrue(io.getMessage().contains("tau_flor"), io.getMessage());
    }
}
