package dev.semgrpo.eval.task;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.results.EvalResults;
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
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One evaluation of a model (and adapter) on tasks into one folder, as {@code semgrpo eval} and the pipeline run
 * it: loads the model, attaches the adapter, picks the KL reference (another model, or the base with the adapter
 * switched off), writes {@code eval.json} and each task's results. A folder belongs to one model and adapter.
 *
 * @param model HF model directory
 * @param adapter PEFT adapter to apply, or null
 * @param referenceModel reference of KL metrics, or null for the base (adapter off) when there is an adapter
 * @param kl measure KL at all
 * @param tasks the tasks
 * @param out the evaluation folder
 * @param encoder sentence encoder overriding the tasks' similarity.encoder, or null
 * @param encoderBackend native or ONNX
 * @param device compute device
 * @param dtype compute dtype
 * @param overwrite run complete tasks again
 */
public record EvalRun(Path model, Path adapter, Path referenceModel, boolean kl, List<TaskConfig.Loaded> tasks,
        Path out, Path encoder, SentenceEncoders.Backend encoderBackend, Device device, DataType dtype,
        boolean overwrite) {

    /** Runs every task (skipping complete ones unless overwrite); {@code onTask} sees each result as it lands. */
    public List<Evaluator.Result> run(Progress progress, Consumer<Evaluator.Result> onTask) throws IOException {
        checkOutFolder();
        SentenceEncoders.Options enc = new SentenceEncoders.Options(encoderBackend, device, DataType.FLOAT32, 64,
                Pooling.MEAN, null);
        List<Evaluator.Result> results = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.load(model); CausalLM lm = CausalLM.load(model, device, dtype)) {
            if (adapter != null) {
                Lora.load(lm, adapter);
            }
            CausalLM ref = null;
            boolean refIsBase = false;
            if (kl && referenceModel != null) {
                ref = CausalLM.load(referenceModel, device, dtype);
            } else if (kl && adapter != null) {
                ref = lm;
                refIsBase = true;
            }
            try {
                writeRunInfo();
                EvalContext ctx = new EvalContext(lm, tok, ref, refIsBase, encoder, enc, progress);
                for (TaskConfig.Loaded t : tasks) {
                    Evaluator.Result r = Evaluator.run(List.of(t), ctx, out, model.toString(),
                            adapter == null ? null : adapter.toString(), overwrite).get(0);
                    results.add(r);
                    if (onTask != null) {
                        onTask.accept(r);
                    }
                }
            } finally {
                if (ref != null && !refIsBase) {
                    ref.close();
                }
            }
        }
        return results;
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
        if (!m.equals(model.toString()) || !Objects.equals(a, myAdapter)) {
            throw new IllegalArgumentException(out + " holds results of --model " + m + (a == null ? "" : " --adapter "
                    + a) + "; use another --out for " + model + (myAdapter == null ? "" : " + " + myAdapter)
                    + ", or --overwrite to replace them");
        }
    }

    private void writeRunInfo() throws IOException {
        Files.createDirectories(out);
        ObjectNode n = EvalResults.JSON.createObjectNode();
        n.put("model", model.toString());
        n.put("adapter", adapter == null ? null : adapter.toString());
        n.put("reference_model", referenceModel == null ? null : referenceModel.toString());
        n.put("device", device.toString());
        n.put("dtype", dtype.toString());
        n.putArray("tasks").addAll(tasks.stream().map(t -> EvalResults.JSON.getNodeFactory().textNode(t.name()))
                .toList());
        n.put("started", Instant.now().toString());
        n.put("java", System.getProperty("java.version"));
        n.put("engine", Torch.ENGINE + " " + Torch.engine().getVersion());
        EvalResults.JSON.writeValue(out.resolve("eval.json").toFile(), n);
    }

    /** A task file by name (looked up in {@code tasksDir}) or path; an unknown name lists the known ones. */
    public static Path resolveTask(String t, Path tasksDir) {
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
                // no tasks folder: the message says so
            }
            throw new IllegalArgumentException("no task '" + t + "' (" + f + " does not exist); "
                    + (known.isEmpty() ? tasksDir + " has no task files" : "known tasks: " + known));
        }
        return f;
    }

    /** A task with its data.limit capped at {@code limit} (null: unchanged). */
    public static TaskConfig.Loaded withLimit(TaskConfig.Loaded t, Integer limit) {
        if (limit == null) {
            return t;
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, found " + limit);
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
}
