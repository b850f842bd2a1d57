package dev.semgrpo.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.trainer.plan.MemoryBudget;
import dev.semgrpo.trainer.plan.Preflight;
import dev.semgrpo.trainer.plan.Qwen3Shapes;
import dev.semgrpo.trainer.plan.StagePlan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pre-flight of the shipped paper pipeline on Qwen3-4B's shapes, and missing inputs reported at once. */
class PipelinePreflightTest {
    private static final Path PAPER = Path.of("..", "configs", "paper", "qwen3-4b-tibetan.yaml");
    private static final long GB = 1_000_000_000L;

    @TempDir
    Path dir;

    private static Pipeline.Hooks hooks() {
        return PipelineTest.hooks(new ByteArrayOutputStream(), null, -1);
    }

    /** The paper pipeline with its base model and encoder replaced by folders that hold only config files. */
    private Pipeline paper() throws IOException {
        Path model = Qwen3Shapes.writeQwen3_4b(dir.resolve("Qwen3-4B"));
        Path encoder = Qwen3Shapes.writeXlmrBase(dir.resolve("xlm-roberta-base-st"));
        PipelineConfig c = PipelineConfig.load(PAPER);
        PipelineConfig.Encoder e = c.encoder();
        PipelineConfig moved = new PipelineConfig(c.name(), dir.resolve("runs").toString(), c.seed(),
                model.toString(), c.device(), c.chatTemplateKwargs(), c.pretrain(), new PipelineConfig.Encoder(encoder.toString(), e.init(),
                        e.pairs(), e.evalFraction(), e.evalPairs(), e.epochs(), e.batchSize(), e.lr(), e.warmupRatio(),
                        e.weightDecay(), e.scale(), e.symmetric(), e.dropout(), e.maxGradNorm()), c.coldStart(),
                c.calibration(), c.grpo(), c.strongSft(), c.eval(), c.report());
        return new Pipeline(PAPER, moved, hooks());
    }

    @Test
    void aHuggingFaceIdAsTheBaseModelIsListedWithTheDownloadCommand() throws IOException {
        PipelineConfig c = PipelineConfig.load(PAPER);
        Path hub = dir.resolve("Qwen/Qwen3-4B");
        PipelineConfig moved = new PipelineConfig(c.name(), dir.resolve("runs").toString(), c.seed(),
                hub.toString(), c.device(), c.chatTemplateKwargs(), c.pretrain(), c.encoder(), c.coldStart(),
                c.calibration(), c.grpo(), c.strongSft(), c.eval(), c.report());
        Preflight f = new Pipeline(PAPER, moved, hooks()).preflight(null);
        assertTrue(f.missing().stream().anyMatch(m -> m.contains(hub + ": no model directory (config.json missing);"
                + " if Qwen/Qwen3-4B is a Hugging Face model id: semgrpo reads models from local folders, so download"
                + " it first with 'huggingface-cli download Qwen/Qwen3-4B --local-dir models/Qwen3-4B'")),
                f.missing().toString());
    }

    @Test
    void everyPaperStageFitsOne80GbGpu() throws IOException {
        Preflight f = paper().preflight(null);
        List<String> stages = f.plans().stream().map(StagePlan::stage).toList();
        assertEquals(List.of("encoder", "cold_start", "grpo", "strong_sft", "merge", "calibrate", "eval_base",
                "eval_cold_start", "eval_strong_sft", "eval_grpo"), stages, f.notes().toString());
        assertTrue(f.notes().isEmpty(), f.notes().toString());
        MemoryBudget h100 = new MemoryBudget(80 * GB, "test", 256 * GB, "test");
        for (StagePlan p : f.plans()) {
            assertNull(p.refusal(h100), p.describe());
            assertTrue(p.peak() > (p.stage().equals("encoder") ? 1 : 8) * GB, p.describe()); // not trivially small
        }
        StagePlan grpo = f.plans().get(stages.indexOf("grpo"));
        // weights 16.09 GB + LoRA state 2.11 GB + rotary 0.04 GB are resident, the reward encoder is in host RAM
        assertEquals(4_022_468_096L * 4 + 132_120_576L * 16 + 2L * 40960 * 128 * 4,
                grpo.resident().stream().mapToLong(t -> t.bytes()).sum());
        assertTrue(grpo.hostBytes() > GB, grpo.describe());
        // the data files are not here: listed, all of them, and the check refuses before any memory question
        assertTrue(f.missing().size() >= 3, f.missing().toString());
        assertTrue(f.missing().stream().anyMatch(m -> m.contains("train.jsonl")), f.missing().toString());
        assertTrue(f.missing().stream().anyMatch(m -> m.contains("encoder-pairs.jsonl")), f.missing().toString());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> f.check(h100, true));
        assertTrue(missing.getMessage().contains(" missing; nothing has run"), missing.getMessage());
    }

    @Test
    void a24GbGpuIsRefusedNamingTheSettingToLower() throws IOException {
        Preflight f = paper().preflight(null);
        Preflight shapesOnly = new Preflight(List.of(), f.plans(), List.of());
        MemoryBudget small = new MemoryBudget(24 * GB, "--gpu-memory 24GB", 256 * GB, "test");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> shapesOnly.check(small, true));
        String m = e.getMessage();
        assertTrue(m.contains("would not fit in memory"), m);
        String grpo = line(m, "stage grpo ");
        // both the generation prefill (42.5 GB) and the update (40.9 GB) pass 24 GB over the 18.2 GB resident
        assertTrue(grpo.contains("the peak is generation prefill (2 prompts x 512 tokens)"), grpo);
        assertTrue(grpo.contains(": lower grpo.generation_batch_size (now 2 prompts x 8 samples)"), grpo);
        assertTrue(grpo.contains("; for update (micro-batch of 1 x 768 tokens), lower optim.micro_batch (now 1"), grpo);
        String sft = line(m, "stage cold_start ");
        assertTrue(sft.contains("lower optim.micro_batch (now 1; it must divide sft.batch_size 32")
                && sft.contains("then sft.max_length (now 1024)"), sft);
        assertTrue(line(m, "stage eval_cold_start ").contains("generation.batch_size in "), m);
        assertFalse(grpo.contains("for generation decode"), "a setting already named is not repeated: " + grpo);
        // one stage alone
        assertEquals(List.of("eval_grpo"), paper().preflight("eval_grpo").plans().stream().map(StagePlan::stage)
                .toList());
        assertThrows(IllegalArgumentException.class, () -> paper().preflight("no_such_stage"));
        assertTrue(m.contains("--gpu-memory 24GB"), m);
        // with the check off, only inputs are checked
        shapesOnly.check(small, false);
    }

    @Test
    void promptTokensAndCalibrationBatchAreChecked() throws IOException {
        Path cfg = dir.resolve("p.yaml");
        String head = "name: t\nbase_model: m\ncold_start: {config: a.yaml}\ngrpo: {config: b.yaml}\n";
        Files.writeString(cfg, head + "eval: {tasks: [ood], prompt_tokens: {nope: 10}}\n");
        IOException e = assertThrows(IOException.class, () -> PipelineConfig.load(cfg));
        assertTrue(e.getMessage().contains("eval.prompt_tokens names 'nope', which is not in eval.tasks [ood]"),
                e.getMessage());
        Files.writeString(cfg, head + "eval: {tasks: [ood], prompt_tokens: {ood: 0}}\n");
        e = assertThrows(IOException.class, () -> PipelineConfig.load(cfg));
        assertTrue(e.getMessage().contains("eval.prompt_tokens.ood must be >= 1, found 0"), e.getMessage());
        Files.writeString(cfg, head + "calibration: {batch_size: 0}\neval: {tasks: [ood]}\n");
        e = assertThrows(IOException.class, () -> PipelineConfig.load(cfg));
        assertTrue(e.getMessage().contains("calibration.batch_size must be >= 1, found 0"), e.getMessage());
        Files.writeString(cfg, head + "eval: {tasks: [ood, mt], prompt_tokens: {default: 300, mt: 40}}\n");
        PipelineConfig.Eval ev = PipelineConfig.load(cfg).eval();
        assertEquals(300, ev.promptTokensOf("ood"));
        assertEquals(40, ev.promptTokensOf("mt"));
    }

    private static String line(String message, String start) {
        return message.lines().filter(l -> l.startsWith("  - " + start)).findFirst().orElse("(no line for " + start
                + " in)\n" + message);
    }

    @Test
    void threeMissingInputsAreReportedTogetherAndNothingRuns() throws IOException {
        Files.writeString(dir.resolve("prompts.jsonl"), "{\"prompt\": \"a\", \"reference\": \"b\"}\n");
        String lora = "model:\n  path: unused\n  lora: {r: 4, alpha: 8, dropout: 0.0}\n";
        Files.writeString(dir.resolve("sft.yaml"), "run: {name: x, max_steps: 1}\n" + lora
                + "data: {path: no-such-train.jsonl}\noptim: {lr: 0.01, micro_batch: 4}\n"
                + "sft: {batch_size: 4, max_length: 64}\n");
        Files.writeString(dir.resolve("grpo.yaml"), "run: {name: x, max_steps: 1}\n" + lora
                + "data: {path: prompts.jsonl}\noptim: {lr: 0.01, micro_batch: 8}\n"
                + "grpo: {num_generations: 4, prompts_per_step: 2, max_completion_length: 8}\n"
                + "rewards:\n  rewards:\n    - {type: language, scripts: [tibetan]}\n");
        Files.createDirectories(dir.resolve("tasks"));
        Files.writeString(dir.resolve("tasks").resolve("ood.yaml"),
                "type: perplexity\ndata: {path: ../no-such-ood.jsonl}\n");
        Path cfg = dir.resolve("pipeline.yaml");
        Files.writeString(cfg, "name: t\noutput_dir: out\nbase_model: no-such-model\n"
                + "cold_start: {config: sft.yaml}\ngrpo: {config: grpo.yaml}\n"
                + "eval: {tasks: [ood], tasks_dir: tasks}\n");
        Pipeline p = new Pipeline(cfg, PipelineConfig.load(cfg), hooks());
        p.validate();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(null));
        String m = e.getMessage();
        assertTrue(m.startsWith("3 inputs are missing; nothing has run:"), m);
        assertTrue(m.contains("stage cold_start: base_model " + dir.resolve("no-such-model")
                + ": no model directory (config.json missing)"), m);
        assertTrue(m.contains("stage cold_start: data.path (" + dir.resolve("sft.yaml") + ") "
                + dir.resolve("no-such-train.jsonl")
                + ": no such file"), m);
        assertTrue(m.contains("task ood (") && m.contains("data.path " + dir.resolve("no-such-ood.jsonl")), m);
        assertFalse(Files.exists(dir.resolve("out")), "no stage may start");
        // the plan says why it cannot estimate
        assertTrue(p.preflight(null).notes().stream().anyMatch(n -> n.contains("config.json")),
                p.preflight(null).notes().toString());
    }
}
