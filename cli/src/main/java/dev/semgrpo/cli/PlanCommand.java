package dev.semgrpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.YamlConfig;
import dev.semgrpo.pipeline.Pipeline;
import dev.semgrpo.pipeline.PipelineConfig;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.plan.MemoryBudget;
import dev.semgrpo.trainer.plan.Preflight;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The memory plan and missing inputs of a training or pipeline config, without running anything. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Estimate the peak memory of every stage of a training or pipeline config from the model's "
                + "config.json and the settings, check it against the GPU (or host RAM for CPU runs), and list every "
                + "missing input. Nothing is loaded or run. Exit code 1 when an input is missing or a stage does not "
                + "fit. docs/training.md (\"Memory plan\") gives the formulas."},
        footer = {"", "Examples:",
                "  semgrpo plan --config configs/paper/qwen3-4b-tibetan.yaml \\",
                "      --gpu-memory 80GB",
                "  semgrpo plan --config configs/paper/qwen3-4b-grpo.yaml \\",
                "      --set optim.micro_batch=2"})
final class PlanCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "a training YAML (run, model, ...) or a pipeline YAML")
    Path config;

    @Option(names = "--set", description = "override a training config key, e.g. --set optim.micro_batch=2 "
            + "(training configs only; repeatable)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--stage", description = "plan only this pipeline stage")
    String stage;

    @Option(names = "--gpu-memory", description = "memory of the GPU to plan for, e.g. 80GB or 24GiB (default: read "
            + "from the config's GPU)")
    String gpuMemory;

    @Override
    public Integer call() throws Exception {
        if (!java.nio.file.Files.isRegularFile(config)) {
            throw new IllegalArgumentException(config + ": no such config file");
        }
        JsonNode root = YamlConfig.read(YamlConfig.Source.file(config, "config file", List.of()),
                new YamlConfig.Kind("config file", "a training or pipeline config (a mapping)"));
        Preflight f;
        if (root.has("run")) {
            boolean grpo = root.has("grpo");
            ConfigLoader.Loaded loaded = ConfigLoader.load(config, sets, grpo);
            f = Preflight.training(loaded.settings(), loaded.rewards(), grpo);
        } else {
            if (!sets.isEmpty()) {
                throw new IllegalArgumentException("--set applies to training configs; a pipeline stage takes its "
                        + "overrides from 'set' in the pipeline file");
            }
            PipelineConfig pc = PipelineConfig.load(config);
            Pipeline p = new Pipeline(config, pc, PipelineCommand.hooks(System.out));
            p.validate();
            f = p.preflight(stage);
        }
        MemoryBudget budget = MemoryBudget.of(gpuMemory != null ? "gpu" : f.gpuDevice(), gpuMemory);
        System.out.print(f.describe(budget));
        f.check(budget, true);
        System.out.println("\nevery stage fits and every input is in place");
        return 0;
    }
}
