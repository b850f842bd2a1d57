package dev.semgrpo.cli;

import ai.djl.Device;
import dev.semgrpo.model.Torch;
import dev.semgrpo.trainer.GrpoTrainer;
import dev.semgrpo.trainer.SftTrainer;
import dev.semgrpo.trainer.Trainer;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.plan.MemoryBudget;
import dev.semgrpo.trainer.plan.Preflight;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Training runs. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Run SFT or GRPO from a YAML config.",
        subcommands = {TrainCommand.Sft.class, TrainCommand.Grpo.class},
        footer = {"", "Examples:",
                "  semgrpo train sft --config configs/tiny-debug-sft.yaml",
                "  semgrpo train grpo --config configs/tiny-debug-grpo.yaml",
                "  semgrpo train grpo --resume runs/tiny-debug-grpo --set run.max_steps=60",
                "",
                "Run 'semgrpo train <sft|grpo> --help' for its options and examples."})
final class TrainCommand {
    /** Options both stages share. */
    abstract static class Base implements Callable<Integer> {
        @Option(names = "--config", description = "run YAML (see configs/); with --resume, defaults to the run's"
                + " config.resolved.yaml")
        Path config;

        @Option(names = "--set", description = "override a config key, e.g. --set optim.lr=1e-6 (repeatable)")
        List<String> sets = new ArrayList<>();

        @Option(names = "--resume", description = "continue a run directory from its last complete checkpoint (one"
                + " without a checkpoint is moved aside and started again; see docs/training.md)")
        Path resume;

        @Option(names = "--gpu-memory", description = "memory of the GPU the plan checks against, e.g. 80GB "
                + "(default: read from the device; host RAM for CPU runs)")
        String gpuMemory;

        @Option(names = "--skip-memory-check", description = "run even when the memory plan says it will not fit")
        boolean skipMemoryCheck;

        abstract boolean grpo();

        @Override
        public Integer call() throws Exception {
            Path file = config;
            if (file == null) {
                if (resume == null) {
                    throw new IllegalArgumentException("--config is required (or --resume RUN_DIR)");
                }
                file = resume.resolve("config.resolved.yaml");
            }
            if (resume != null && !Files.isDirectory(resume)) {
                throw new IllegalArgumentException("--resume " + resume + ": no such run directory");
            }
            ConfigLoader.Loaded loaded = ConfigLoader.load(file, sets, grpo());
            Settings s = loaded.settings();
            Device device = Torch.device(s.model().device(), "model.device");
            if (gpuMemory == null) {
                // a GPU the loaded PyTorch cannot use is named before the memory plan measures it as 0 bytes
                Torch.requireAvailable(device);
            }
            Preflight.training(s, loaded.rewards(), grpo()).check(MemoryBudget.of(s.model().device(), gpuMemory),
                    !skipMemoryCheck);
            Torch.requireAvailable(device);
            ProgressBar bar = new ProgressBar(grpo() ? "grpo" : "sft", 1, "steps");
            Trainer.Listener l = (step, total, m) -> {
                bar.total(total);
                String note = grpo() ? String.format(Locale.ROOT, "reward %.3f kl %.4f", m.path("reward").asDouble(),
                        m.path("kl").asDouble()) : String.format(Locale.ROOT, "loss %.4f", m.path("loss").asDouble());
                bar.update(step, note);
            };
            Path run = grpo() ? GrpoTrainer.train(s, loaded.rewards(), resume, l) : SftTrainer.train(s, resume, l);
            System.out.println("run directory: " + run);
            System.out.println("final " + (s.model().lora() != null ? "adapter (PEFT)" : "model (transformers)") + ": "
                    + Trainer.finalDir(run));
            return 0;
        }
    }

    @Command(name = "sft", mixinStandardHelpOptions = true,
            description = "Supervised fine-tuning on (prompt, reference): the cold-start stage or the strong-SFT"
                    + " baseline.",
            footer = {"", "Examples:",
                    "  semgrpo train sft --config configs/tiny-debug-sft.yaml",
                    "  semgrpo train sft --config configs/paper/qwen3-4b-cold-start-sft.yaml \\",
                    "      --set model.device=gpu",
                    "  semgrpo train sft --resume runs/qwen3-4b-cold-start --set run.max_steps=400",
                    "", "A run ends with its weights in RUN_DIR/final (PEFT adapter or transformers",
                    "model) and prints that path; RUN_DIR/checkpoints/latest names the newest",
                    "checkpoint."})
    static final class Sft extends Base {
        boolean grpo() {
            return false;
        }
    }

    @Command(name = "grpo", mixinStandardHelpOptions = true,
            description = "GRPO with the configured rewards (the paper: 1.5 semantic + 1.0 language).",
            footer = {"", "Examples:",
                    "  semgrpo train grpo --config configs/tiny-debug-grpo.yaml",
                    "  semgrpo train grpo --config configs/paper/qwen3-4b-grpo.yaml \\",
                    "      --set grpo.beta=0.04",
                    "  semgrpo train grpo --resume runs/qwen3-4b-grpo",
                    "", "A run ends with its weights in RUN_DIR/final (PEFT adapter or transformers",
                    "model) and prints that path; RUN_DIR/checkpoints/latest names the newest",
                    "checkpoint."})
    static final class Grpo extends Base {
        boolean grpo() {
            return true;
        }
    }
}
