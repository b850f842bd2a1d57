package dev.semgrpo.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.task.Progress;
import dev.semgrpo.model.io.DirectoryLock;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.trainer.GrpoTrainer;
import dev.semgrpo.trainer.Trainer;
import dev.semgrpo.trainer.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline on a miniature setting, a crash in the middle of GRPO, and the resumed run. */
class PipelineTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    private Pipeline.Hooks hooks(String crashStage, long crashStep) {
        return hooks(log, crashStage, crashStep);
    }

    /** Hooks that log to {@code log}, show no progress, and throw at {@code crashStep} of {@code crashStage}. */
    static Pipeline.Hooks hooks(OutputStream log, String crashStage, long crashStep) {
        PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);
        return new Pipeline.Hooks() {
            @Override
            public Trainer.Listener training(String stage) {
                return (step, total, m) -> {
                    if (stage.equals(crashStage) && step == crashStep) {
                        throw new IllegalStateException("simulated crash in " + stage + " at step " + step);
                    }
                };
            }

            @Override
            public Progress evaluation(String stage) {
                return Progress.NONE;
            }

            @Override
            public PrintStream log() {
                return ps;
            }
        };
    }

    private Path setUp() throws IOException {
        ByteLevelTokenizer.write(dir.resolve("tok"));
        List<String> pairs = new ArrayList<>();
        String[][] words = {{"hello", "བཀྲ་ཤིས"}, {"thanks", "ཐུགས་རྗེ་ཆེ"}, {"water", "ཆུ"}, {"fire", "མེ"},
            {"mountain", "རི"}, {"sun", "ཉི་མ"}, {"moon", "ཟླ་བ"}, {"book", "དཔེ་ཆ"}};
        for (String[] w : words) {
            pairs.add("{\"prompt\": \"Tibetan for " + w[0] + ":\", \"reference\": \"" + w[1] + "\", \"source\": \""
                    + w[0] + "\", \"target\": \"" + w[1] + "\"}");
        }
        Files.write(dir.resolve("pairs.jsonl"), pairs);
        Files.write(dir.resolve("general.jsonl"), List.of("{\"prompt\": \"1 + 1 =\", \"reference\": \" 2\"}",
                "{\"prompt\": \"2 + 2 =\", \"reference\": \" 4\"}", "{\"prompt\": \"Say hi:\", \"reference\": \" hi\"}"));
        Files.write(dir.resolve("ood.jsonl"), List.of("{\"text\": \"plain english text for forgetting\"}",
                "{\"text\": \"more text the tuning never saw\"}"));
        String model = "model:\n  init: {arch: qwen3, hidden: 32, layers: 2, heads: 4, kv_heads: 2, "
                + "tokenizer: tok/tokenizer.json, seed: 3}\n";
        String lora = "model:\n  path: unused\n  lora: {r: 4, alpha: 8, dropout: 0.0}\n";
        Files.writeString(dir.resolve("pretrain.yaml"), "run: {name: x, max_steps: 4, save_every: 2}\n" + model
                + "data: {path: general.jsonl, chat: false}\noptim: {lr: 0.01, micro_batch: 4}\n"
                + "sft: {batch_size: 4, max_length: 64}\n");
        Files.writeString(dir.resolve("sft.yaml"), "run: {name: x, max_steps: 3, save_every: 3}\n" + lora
                + "data: {path: pairs.jsonl, chat: false}\noptim: {lr: 0.01, micro_batch: 4}\n"
                + "sft: {batch_size: 4, max_length: 64}\n");
        Files.writeString(dir.resolve("grpo.yaml"), "run: {name: x, max_steps: 4, save_every: 2}\n" + lora
                + "data: {path: pairs.jsonl, chat: false}\noptim: {lr: 0.01, micro_batch: 8}\n"
                + "grpo: {num_generations: 4, prompts_per_step: 2, max_completion_length: 8, temperature: 1.0}\n"
                + "rewards:\n  encoder: {path: unused}\n  rewards:\n"
                + "    - {type: semantic, weight: 1.5, tau: auto, calibration: unused.jsonl, percentile: 10}\n"
                + "    - {type: language, weight: 1.0, scripts: [tibetan], soft: true}\n");
        Path tasks = dir.resolve("tasks");
        Files.createDirectories(tasks);
        Files.writeString(tasks.resolve("mt.yaml"), "type: generate\ncategory: target\n"
                + "data: {path: ../pairs.jsonl}\nprompt: {template: \"Tibetan for {source}:\"}\n"
                + "generation: {max_new_tokens: 6}\nmetrics: [chrf, similarity]\n");
        Files.writeString(tasks.resolve("ood.yaml"), "type: perplexity\ndata: {path: ../ood.jsonl}\n");
        Path cfg = dir.resolve("pipeline.yaml");
        Files.writeString(cfg, "name: mini\noutput_dir: out\nseed: 5\n"
                + "pretrain: {config: pretrain.yaml}\n"
                + "encoder: {pairs: pairs.jsonl, init: {hidden: 16, layers: 1, heads: 2, intermediate: 32}, "
                + "epochs: 2, batch_size: 4, lr: 0.001, eval_fraction: 0.25}\n"
                + "cold_start: {config: sft.yaml}\ncalibration: {size: 4, max_new_tokens: 6}\n"
                + "grpo: {config: grpo.yaml}\nstrong_sft: {config: sft.yaml, set: [run.max_steps=5, optim.lr=0.02]}\n"
                + "eval: {tasks: [mt, ood], tasks_dir: tasks}\nreport: {resamples: 50}\n");
        return cfg;
    }

    @Test
    void runsEveryStageAndResumesAfterACrashWithoutRedoingFinishedStages() throws IOException {
        Path cfg = setUp();
        Pipeline crashing = new Pipeline(cfg, PipelineConfig.load(cfg), hooks("grpo", 3));
        IllegalStateException crash = assertThrows(IllegalStateException.class, () -> crashing.run(null));
        assertTrue(crash.getMessage().contains("simulated crash in grpo"));
        Path out = crashing.out();
        for (String s : List.of("pretrain", "encoder", "cold_start", "merge", "calibrate")) {
            assertTrue(crashing.complete(s), s + " finished before the crash");
        }
        assertTrue(!crashing.complete("grpo"));
        assertTrue(Files.isDirectory(out.resolve("grpo/checkpoints/step-2")), "GRPO checkpointed step 2");
        FileTime coldStart = Files.getLastModifiedTime(out.resolve("cold_start").resolve(Pipeline.MARKER));
        FileTime encoder = Files.getLastModifiedTime(out.resolve("encoder").resolve(Pipeline.MARKER));

        Pipeline again = new Pipeline(cfg, PipelineConfig.load(cfg), hooks(null, -1));
        Path report = again.run(null);
        for (String s : again.stages()) {
            assertTrue(again.complete(s), s);
        }
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("== cold_start: complete, skipped"), text);
        assertTrue(text.contains("resuming " + out.resolve("grpo") + " from step-2"), text);
        assertEquals(coldStart, Files.getLastModifiedTime(out.resolve("cold_start").resolve(Pipeline.MARKER)));
        assertEquals(encoder, Files.getLastModifiedTime(out.resolve("encoder").resolve(Pipeline.MARKER)));
        // GRPO logged steps 1-2 before the crash and 3-4 after it, none twice
        List<Long> steps = new ArrayList<>();
        for (Jsonl.Line l : Jsonl.read(out.resolve("grpo/metrics.jsonl"))) {
            steps.add(l.node().get("step").asLong());
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), steps);

        // every artefact exists and is well formed
        JsonNode grpo = Jsonl.JSON.readTree(out.resolve("grpo").resolve(Pipeline.MARKER).toFile());
        assertTrue(grpo.get("adapter").asText().endsWith("step-4/adapter"), grpo.toString());
        assertTrue(Files.isRegularFile(out.resolve("merge/model/model.safetensors")));
        assertEquals(4, Jsonl.read(out.resolve("calibrate/calibration.jsonl")).size());
        JsonNode tau = Jsonl.JSON.readTree(out.resolve("calibrate").resolve(Pipeline.MARKER).toFile()).path("tau")
                .path("semantic");
        assertEquals(0.0, tau.path("tau_floor").asDouble(-1), 0, tau.toString());
        assertEquals(Math.max(tau.get("percentile_value").asDouble(), 0), tau.get("tau").asDouble(), 1e-12,
                "the raw percentile and the tau used, floored at 0: " + tau);
        assertTrue(tau.get("used").asInt() >= 1 && tau.get("used").asInt() <= 4, tau.toString());
        for (String e : List.of("eval_base", "eval_cold_start", "eval_strong_sft", "eval_grpo")) {
            var run = EvalResults.readRun(out.resolve(e));
            assertEquals(List.of("mt", "ood"), List.copyOf(run.keySet()), e);
            assertEquals(8, run.get("mt").examples().size());
        }
        assertTrue(EvalResults.readRun(out.resolve("eval_grpo")).get("ood").summary().reference()
                .endsWith("pretrain/checkpoints/step-4/model"), "GRPO's KL is against the base");
        for (String f : List.of("report.html", "report.md", "report.json")) {
            assertTrue(Files.size(report.resolve(f)) > 0, f);
        }
        JsonNode r = Jsonl.JSON.readTree(report.resolve("report.json").toFile());
        assertEquals(Map.of("cold_start", true, "strong_sft", true, "grpo", true).keySet(),
                iterable(r.get("runs").fieldNames()));
        // GRPO against the cold start it started from: the cold start is the base there
        JsonNode vs = Jsonl.JSON.readTree(report.resolve(Pipeline.VS_COLD_START).resolve("report.json").toFile());
        assertEquals(out.resolve("eval_cold_start").toString(), vs.get("base").asText());
        assertEquals(java.util.Set.of("grpo"), iterable(vs.get("runs").fieldNames()));
        assertTrue(vs.get("targetGains").size() > 0 && vs.get("alignmentTax").size() > 0, vs.toString());

        // the stages' typed outputs, read back from their markers, are what the later stages used
        Pipeline typed = new Pipeline(cfg, PipelineConfig.load(cfg), hooks(null, -1));
        StageOutputs.Encoded enc = typed.outputs("encoder", StageOutputs.Encoded.class);
        StageOutputs.Calibrated cal = typed.outputs("calibrate", StageOutputs.Calibrated.class);
        assertEquals(out.resolve("encoder/encoder"), enc.encoder());
        assertEquals(1.0 / enc.evalPairs(), enc.chance(), 1e-12);
        assertEquals(4, cal.records());
        // and GRPO's run directory records them, so that it resumes from itself alone
        JsonNode resolved = ConfigLoader.YAML.readTree(out.resolve("grpo/config.resolved.yaml").toFile());
        assertEquals(enc.encoder().toString(), resolved.path("rewards").path("encoder").path("path").asText());
        assertEquals(cal.calibration().toString(), resolved.path("rewards").path("rewards").path(0)
                .path("calibration").asText(), resolved.toString());
        assertEquals(grpo.get("adapter").asText(), typed.outputs("grpo", StageOutputs.Trained.class).adapter()
                .toString());
        // with the tau it calibrated, a number, and the final adapter beside the checkpoints
        assertEquals(cal.tau().get("semantic").tau(), resolved.at("/rewards/rewards/0/tau").asDouble(-9), 0,
                resolved.toString());
        assertTrue(Files.isRegularFile(out.resolve("grpo/final/adapter_model.safetensors")));
        // a marker that does not hold what its stage writes is named, with the way out
        Files.writeString(out.resolve("calibrate").resolve(Pipeline.MARKER), "{\"finished\": \"x\", \"records\": "
                + "\"many\"}");
        IOException bad = assertThrows(IOException.class, () -> typed.outputs("calibrate",
                StageOutputs.Calibrated.class));
        assertTrue(bad.getMessage().contains("calibrate/stage.json does not hold what stage 'calibrate' writes")
                && bad.getMessage().contains("--redo calibrate"), bad.getMessage());

        // a third run does nothing; --stage needs its predecessors; --redo keeps the old output
        Pipeline third = new Pipeline(cfg, PipelineConfig.load(cfg), hooks(null, -1));
        third.run(null);
        Path aside = third.redo("report");
        assertTrue(Files.isRegularFile(aside.resolve("report.html")));
        third.run("report");
        assertTrue(third.complete("report"));

        // GRPO's run directory resumes alone, as `semgrpo train grpo --resume out/grpo --set run.max_steps=5` does
        Path grpoRun = out.resolve("grpo");
        ConfigLoader.Loaded alone = ConfigLoader.load(grpoRun.resolve("config.resolved.yaml"),
                List.of("run.max_steps=5"), true);
        GrpoTrainer.train(alone.settings(), alone.rewards(), grpoRun, null);
        assertEquals("step-5\n", Files.readString(grpoRun.resolve("checkpoints/latest")));
        assertEquals(5, Jsonl.JSON.readTree(grpoRun.resolve("trainer_state.json").toFile()).get("global_step")
                .asLong());
    }

    @Test
    void encoderMeasuresRetrievalOnFixedHeldOutPairsItNeverTrainsOn() throws IOException {
        Path cfg = setUp();
        Files.write(dir.resolve("held.jsonl"), List.of("{\"source\": \"tree\", \"target\": \"ཤིང\"}",
                "{\"source\": \"house\", \"target\": \"ཁང་པ\"}", "{\"source\": \"horse\", \"target\": \"རྟ\"}"));
        String text = Files.readString(cfg);
        Files.writeString(cfg, text.replace("eval_fraction: 0.25", "eval_pairs: [held.jsonl]"));
        Pipeline p = new Pipeline(cfg, PipelineConfig.load(cfg), hooks(null, -1));
        p.run("pretrain");
        p.run("encoder");
        JsonNode info = Jsonl.JSON.readTree(p.out().resolve("encoder").resolve(Pipeline.MARKER).toFile());
        assertEquals(3, info.get("eval_pairs").asInt());
        assertEquals(8, info.get("train_pairs").asInt(), "every pair of 'pairs' trains");
        assertEquals(1.0 / 3, info.get("chance").asDouble(), 1e-12);
        // the vocabulary is the training pairs': a held-out word is unknown to the encoder
        String vocab = Files.readString(p.out().resolve("encoder/init/tokenizer.json"));
        assertTrue(vocab.contains("\"mountain\"") && !vocab.contains("\"horse\""), "held-out words left out");

        // a held-out pair that is also a training pair is refused, naming both files
        Files.write(dir.resolve("held.jsonl"), List.of("{\"source\": \"water\", \"target\": \"ཆུ\"}"));
        p.redo("encoder");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run("encoder"));
        assertTrue(e.getMessage().contains("held.jsonl") && e.getMessage().contains("pairs.jsonl")
                && e.getMessage().contains("'water'"), e.getMessage());
        // held-out files without a pair measure nothing
        Files.writeString(dir.resolve("held.jsonl"), "");
        Exception none = assertThrows(Exception.class, () -> p.run("encoder"));
        assertTrue(none.getMessage().contains("held.jsonl") && none.getMessage().contains("no records"),
                none.getMessage());
        // both ways of holding out at once is an error in the config
        Files.writeString(cfg, text.replace("eval_fraction: 0.25", "eval_fraction: 0.25, eval_pairs: [held.jsonl]"));
        Exception both = assertThrows(Exception.class, () -> PipelineConfig.load(cfg));
        assertTrue(String.valueOf(both.getMessage()).contains("not both"), both.getMessage());
    }

    @Test
    void anOutputFolderInUseIsNeitherRunNorRedone() throws IOException {
        Path cfg = setUp();
        Pipeline p = new Pipeline(cfg, PipelineConfig.load(cfg), hooks(null, -1));
        try (DirectoryLock held = DirectoryLock.acquire(p.out(), "pipeline output")) {
            IllegalStateException run = assertThrows(IllegalStateException.class, () -> p.run(null));
            assertTrue(run.getMessage().contains(p.out().toString()), run.getMessage());
            assertThrows(IllegalStateException.class, () -> p.redo("report"));
        }
        assertTrue(!p.complete("pretrain"), "nothing ran");
    }

    @Test
    void aStageAloneNeedsItsPredecessors() throws IOException {
        Path cfg = setUp();
        Pipeline p = new Pipeline(cfg, PipelineConfig.load(cfg), hooks(null, -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run("grpo"));
        assertTrue(e.getMessage().contains("needs 'pretrain' first"), e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> p.run("sft"));
        assertTrue(unknown.getMessage().contains("cold_start"), unknown.getMessage());
    }

    @Test
    void shippedPipelinesValidate() throws IOException {
        for (String name : List.of("../configs/demo/pipeline.yaml", "../configs/paper/qwen3-4b-tibetan.yaml")) {
            Path file = Path.of(name);
            new Pipeline(file, PipelineConfig.load(file), hooks(null, -1)).validate();
        }
        Path cfg = setUp();
        Files.writeString(dir.resolve("sft.yaml"), Files.readString(dir.resolve("sft.yaml")).replace("lr: 0.01",
                "lr: -1"));
        Pipeline bad = new Pipeline(cfg, PipelineConfig.load(cfg), hooks(null, -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad::validate);
        assertTrue(e.getMessage().contains("cold_start") && e.getMessage().contains("sft.yaml"), e.getMessage());
    }

    private static java.util.Set<String> iterable(java.util.Iterator<String> it) {
        java.util.Set<String> s = new java.util.HashSet<>();
        it.forEachRemaining(s::add);
        return s;
    }
}
