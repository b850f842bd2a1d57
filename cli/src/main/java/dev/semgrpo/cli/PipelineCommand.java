package dev.semgrpo.cli;

import dev.semgrpo.eval.task.Progress;
import dev.semgrpo.pipeline.Pipeline;
import dev.semgrpo.pipeline.PipelineConfig;
import dev.semgrpo.trainer.Trainer;
import dev.semgrpo.trainer.plan.MemoryBudget;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The paper's pipeline, stage by stage, resumable. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Run the pipeline of a config: (pretrain), (encoder), cold-start SFT, merge, tau calibration, "
                + "GRPO, strong SFT, evaluation of every model, and the alignment-tax report. Complete stages are "
                + "skipped, an interrupted training stage resumes from its last checkpoint."},
        footer = {"", "Examples:",
                "  semgrpo pipeline --config configs/paper/qwen3-4b-tibetan.yaml",
                "  semgrpo pipeline --config configs/paper/qwen3-4b-tibetan.yaml \\",
                "      --stage eval_grpo",
                "  semgrpo pipeline --config configs/paper/qwen3-4b-tibetan.yaml \\",
                "      --redo report",
                "  semgrpo pipeline --config configs/paper/qwen3-4b-tibetan.yaml --list"})
final class PipelineCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "pipeline YAML")
    Path config;

    @Option(names = "--stage", description = "run only this stage (earlier stages must be complete)")
    String stage;

    @Option(names = "--redo", description = "move this stage's output aside (kept) and run it again, with the "
            + "stages after it that are not complete")
    String redo;

    @Option(names = "--list", description = "print the stages and whether each is complete, then stop")
    boolean list;

    @Option(names = "--gpu-memory", description = "memory of the GPU the plan checks against, e.g. 80GB "
            + "(default: read from the device; host RAM for CPU runs)")
    String gpuMemory;

    @Option(names = "--skip-memory-check", description = "run even when the memory plan says a stage will not fit "
            + "(missing inputs are still refused)")
    boolean skipMemoryCheck;

    @Override
    public Integer call() throws Exception {
        PipelineConfig pc = PipelineConfig.load(config);
        Pipeline p = new Pipeline(config, pc, hooks(System.out))
                .memoryCheck(gpuMemory == null ? null : MemoryBudget.of("gpu", gpuMemory), !skipMemoryCheck);
        p.validate();
        if (list) {
            for (String s : p.stages()) {
                System.out.printf(Locale.ROOT, "%-16s %s%n", s, p.complete(s) ? "complete" : "to do");
            }
            return 0;
        }
        if (redo != null) {
            Path aside = p.redo(redo);
            System.out.println("moved " + redo + " aside to " + aside);
        }
        Path result = p.run(stage);
        System.out.println("done: " + result);
        return 0;
    }

    /** Progress bars for training and evaluation, log lines on {@code out}. */
    static Pipeline.Hooks hooks(PrintStream out) {
        return new Pipeline.Hooks() {
            @Override
            public Trainer.Listener training(String stage) {
                ProgressBar bar = new ProgressBar(stage, 1, "steps");
                return (step, total, m) -> {
                    bar.total(total);
                    String note = m.has("reward") ? String.format(Locale.ROOT, "reward %.3f", m.path("reward")
                            .asDouble()) : String.format(Locale.ROOT, "loss %.4f", m.path("loss").asDouble());
                    bar.update(step, note);
                };
            }

            @Override
            public Progress evaluation(String stage) {
                return EvalCommand.progressBars();
            }

            @Override
            public PrintStream log() {
                return out;
            }
        };
    }
}
