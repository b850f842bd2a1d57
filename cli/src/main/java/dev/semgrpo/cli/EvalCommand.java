package dev.semgrpo.cli;

import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.eval.task.EvalRun;
import dev.semgrpo.eval.task.Evaluator;
import dev.semgrpo.eval.task.Progress;
import dev.semgrpo.eval.task.TaskConfig;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Evaluates a model (optionally with a LoRA adapter) on tasks and writes per-example results. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a model on tasks (configs/tasks/*.yaml). Writes <out>/<task>/examples.jsonl (input, "
                + "output, references, per-metric scores) and <out>/<task>/summary.json; finished tasks are skipped "
                + "when run again (--overwrite redoes them)."},
        footer = {"", "Examples:",
                "  semgrpo eval --model models/Qwen3-4B --tasks flores-zh-bo,cmrc2018-dev,ood-nll --out runs/eval-base",
                "  semgrpo eval --model models/Qwen3-4B --adapter runs/grpo/final/adapter \\",
                "      --tasks flores-zh-bo,cmrc2018-dev,ood-nll --out runs/eval-grpo   # KL vs the base: adapter off",
                "  semgrpo eval --model runs/sft/merged --reference-model models/Qwen3-4B --tasks ood-nll --out runs/e",
                "  semgrpo eval --model models/Qwen3-4B --tasks flores-zh-bo --shard 2/4 --out runs/eval-base.shard-2",
                "      # one job of four; then: semgrpo merge-shards --out runs/eval-base runs/eval-base.shard-*"})
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--adapter", description = "PEFT LoRA adapter to apply to --model")
    Path adapter;

    @Option(names = "--tasks", required = true, split = ",", description = "task names (files under --tasks-dir) or "
            + "YAML paths, comma-separated")
    List<String> tasks;

    @Option(names = "--tasks-dir", defaultValue = "configs/tasks", description = "where task names are looked up. "
            + "Default: ${DEFAULT-VALUE}.")
    Path tasksDir;

    @Option(names = "--out", required = true, description = "evaluation folder (tasks already complete there are "
            + "skipped)")
    Path out;

    @Option(names = "--reference-model", description = "reference of the KL metrics of perplexity tasks (default: "
            + "--model without the adapter when --adapter is given, else none)")
    Path referenceModel;

    @Option(names = "--no-kl", description = "skip KL metrics")
    boolean noKl;

    @Option(names = "--encoder", description = "sentence encoder for the similarity metric (overrides the tasks' "
            + "similarity.encoder)")
    Path encoder;

    @Option(names = "--encoder-backend", defaultValue = "native", description = "native or onnx. Default: "
            + "${DEFAULT-VALUE}.")
    String encoderBackend;

    @Option(names = "--limit", description = "evaluate at most N examples per task (quick checks)")
    Integer limit;

    @Option(names = "--overwrite", description = "run every task again, even when complete")
    boolean overwrite;

    @Option(names = "--shard", paramLabel = "i/N", description = "evaluate only shard i of N (0 <= i < N) of every "
            + "task, as one job of a job array; each shard needs its own --out, and `semgrpo merge-shards` combines "
            + "the N folders into the folder one unsharded run writes")
    String shard;

    @Override
    public Integer call() throws Exception {
        Shard part = shard == null ? Shard.WHOLE : Shard.parse(shard);
        OutputPaths.requireFolder(out, "--out");
        List<TaskConfig.Loaded> loaded = new ArrayList<>();
        for (String t : tasks) {
            Path file;
            try {
                file = EvalRun.resolveTask(t, tasksDir);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--tasks: " + e.getMessage(), e);
            }
            loaded.add(EvalRun.withLimit(TaskConfig.load(file), limit));
        }
        SentenceEncoders.Backend backend = switch (encoderBackend.toLowerCase(Locale.ROOT)) {
            case "native" -> SentenceEncoders.Backend.NATIVE;
            case "onnx" -> SentenceEncoders.Backend.ONNX;
            default -> throw new IllegalArgumentException("--encoder-backend must be native or onnx, found '"
                    + encoderBackend + "'");
        };
        EvalRun run = EvalRun.builder().setModel(model.model).setTasks(loaded).setOut(out).optAdapter(adapter)
                .optReferenceModel(referenceModel).optKl(!noKl).optEncoder(encoder).optEncoderBackend(backend)
                .optDevice(model.device()).optDtype(model.dtype()).optOverwrite(overwrite).optShard(part).build();
        run.run(progressBars(), r -> System.out.println(line(r)));
        if (part.isWhole()) {
            System.out.println("wrote " + out + " (per task: examples.jsonl, summary.json); build a report with "
                    + "`semgrpo report --base <eval folder> --compare name=" + out + " --out <report folder>`");
        } else {
            System.out.println("wrote shard " + part + " to " + out + " (per task: examples.jsonl, summary.json, "
                    + "shard.json); once all " + part.count() + " shards have finished, combine them with "
                    + "`semgrpo merge-shards --out <eval folder> <the " + part.count() + " shard folders>`");
        }
        return 0;
    }

    /** One progress bar per task. */
    static Progress progressBars() {
        ProgressBar[] bar = new ProgressBar[1];
        return new Progress() {
            @Override
            public void start(String task, long total) {
                bar[0] = new ProgressBar(task, total, "it");
                bar[0].update(0);
            }

            @Override
            public void update(long done) {
                bar[0].update(done);
            }
        };
    }

    static String line(Evaluator.Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-24s", r.summary().task()));
        for (MetricResult m : r.summary().metrics()) {
            sb.append(String.format(Locale.ROOT, "  %s=%.4f", m.name(), m.value()));
        }
        sb.append(String.format(Locale.ROOT, "  (n=%d%s)", r.summary().examples(),
                r.skipped() ? ", already complete: skipped" : String.format(Locale.ROOT, ", %.1fs",
                        r.summary().seconds())));
        for (MetricResult m : r.summary().metrics()) {
            if (m.signature() != null) {
                sb.append(String.format(Locale.ROOT, "%n  %-22s %s", m.name(), m.signature()));
            }
        }
        return sb.toString();
    }
}
