package dev.semgrpo.cli;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.task.EvalContext;
import dev.semgrpo.eval.task.Evaluator;
import dev.semgrpo.eval.task.Progress;
import dev.semgrpo.eval.task.TaskConfig;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.rewards.encoder.Pooling;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
                "  semgrpo eval --model runs/sft/merged --reference-model models/Qwen3-4B --tasks ood-nll --out runs/e"})
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

    @Override
    public Integer call() throws Exception {
        List<TaskConfig.Loaded> loaded = new ArrayList<>();
        for (String t : tasks) {
            loaded.add(withLimit(TaskConfig.load(resolve(t))));
        }
        checkOutFolder();
        SentenceEncoders.Backend backend = switch (encoderBackend.toLowerCase(Locale.ROOT)) {
            case "native" -> SentenceEncoders.Backend.NATIVE;
            case "onnx" -> SentenceEncoders.Backend.ONNX;
            default -> throw new IllegalArgumentException("--encoder-backend must be native or onnx, found '"
                    + encoderBackend + "'");
        };
        SentenceEncoders.Options encOptions = new SentenceEncoders.Options(backend, model.device(), DataType.FLOAT32,
                64, Pooling.MEAN, null);
        try (TextTokenizer tok = model.tokenizer(); CausalLM lm = model.load()) {
            if (adapter != null) {
                Lora.load(lm, adapter);
            }
            CausalLM ref = null;
            boolean refIsBase = false;
            if (!noKl && referenceModel != null) {
                ref = CausalLM.load(referenceModel, model.device(), model.dtype());
            } else if (!noKl && adapter != null) {
                ref = lm;
                refIsBase = true;
            }
            try {
                writeRunInfo(loaded);
                ProgressBar[] bar = new ProgressBar[1];
                Progress progress = new Progress() {
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
                EvalContext ctx = new EvalContext(lm, tok, ref, refIsBase, encoder, encOptions, progress);
                List<Evaluator.Result> results = new ArrayList<>();
                for (TaskConfig.Loaded t : loaded) {
                    results.addAll(Evaluator.run(List.of(t), ctx, out, model.model.toString(),
                            adapter == null ? null : adapter.toString(), overwrite));
                    Evaluator.Result r = results.get(results.size() - 1);
                    System.out.println(line(r));
                }
            } finally {
                if (ref != null && !refIsBase) {
                    ref.close();
                }
            }
        }
        System.out.println("wrote " + out + " (per task: examples.jsonl, summary.json); build a report with "
                + "`semgrpo report --base <eval folder> --compare name=" + out + " --out <report folder>`");
        return 0;
    }

    private Path resolve(String t) {
        Path p = Path.of(t);
        if (t.endsWith(".yaml") || t.endsWith(".yml")) {
            return p;
        }
        Path f = tasksDir.resolve(t + ".yaml");
        if (!Files.isRegularFile(f)) {
            List<String> known = new ArrayList<>();
            try (var s = Files.list(tasksDir)) {
                s.map(x -> x.getFileName().toString()).filter(x -> x.endsWith(".yaml"))
                        .map(x -> x.substring(0, x.length() - 5)).sorted().forEach(known::add);
            } catch (IOException e) {
                // no tasks dir: the message below says so
            }
            throw new IllegalArgumentException("--tasks: no task '" + t + "' (" + f + " does not exist); "
                    + (known.isEmpty() ? tasksDir + " has no task files" : "known tasks: " + known));
        }
        return f;
    }

    private TaskConfig.Loaded withLimit(TaskConfig.Loaded t) {
        if (limit == null) {
            return t;
        }
        if (limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1, found " + limit);
        }
        TaskConfig c = t.config();
        TaskConfig.Data d = c.data();
        int l = d.limit() == null ? limit : Math.min(limit, d.limit());
        TaskConfig.Data d2 = new TaskConfig.Data(d.path(), d.format(), d.fields(), d.idField(), l);
        ObjectNode tree = t.tree().deepCopy();
        ((ObjectNode) tree.get("data")).put("limit", l);
        return new TaskConfig.Loaded(t.name(), t.file(), new TaskConfig(c.type(), c.category(), c.description(), d2,
                c.prompt(), c.generation(), c.metrics(), c.similarity(), c.qa(), c.multipleChoice(), c.perplexity()),
                tree);
    }

    /** An evaluation folder belongs to one model and adapter: refuse to mix results of another into it. */
    private void checkOutFolder() throws IOException {
        Path info = out.resolve("eval.json");
        if (!Files.isRegularFile(info) || overwrite) {
            return;
        }
        JsonNode n = EvalResults.JSON.readTree(info.toFile());
        String m = n.path("model").asText();
        String a = n.path("adapter").isNull() || n.path("adapter").isMissingNode() ? null : n.path("adapter").asText();
        String myAdapter = adapter == null ? null : adapter.toString();
        if (!m.equals(model.model.toString()) || !java.util.Objects.equals(a, myAdapter)) {
            throw new IllegalArgumentException(out + " holds results of --model " + m + (a == null ? "" : " --adapter "
                    + a) + "; use another --out for " + model.model + (myAdapter == null ? "" : " + " + myAdapter)
                    + ", or --overwrite to replace them");
        }
    }

    private void writeRunInfo(List<TaskConfig.Loaded> loaded) throws IOException {
        Files.createDirectories(out);
        ObjectNode n = EvalResults.JSON.createObjectNode();
        n.put("model", model.model.toString());
        n.put("adapter", adapter == null ? null : adapter.toString());
        n.put("reference_model", referenceModel == null ? null : referenceModel.toString());
        n.put("device", model.device);
        n.put("dtype", model.dtype);
        n.putArray("tasks").addAll(loaded.stream().map(t -> EvalResults.JSON.getNodeFactory().textNode(t.name()))
                .toList());
        n.put("started", Instant.now().toString());
        n.put("java", System.getProperty("java.version"));
        n.put("engine", Torch.ENGINE + " " + Torch.engine().getVersion());
        EvalResults.JSON.writeValue(out.resolve("eval.json").toFile(), n);
    }

    private static String line(Evaluator.Result r) {
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
