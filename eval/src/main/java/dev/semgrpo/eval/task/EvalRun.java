package dev.semgrpo.eval.task;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.results.EvalInfo;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.remote.OpenAiBackend;
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
 * switched off), writes {@code eval.json} and each task's results. Or, with a server, generates and scores there
 * ({@link OpenAiBackend}), rendering and tokenizing prompts locally with the model's tokenizer. A folder belongs to
 * one model and adapter, and to one shard when sharded. Built with {@link #builder()}.
 */
public final class EvalRun {
    private final Path model;
    private final Path adapter;
    private final Path referenceModel;
    private final boolean kl;
    private final List<TaskConfig.Loaded> tasks;
    private final Path out;
    private final Path encoder;
    private final SentenceEncoders.Backend encoderBackend;
    private final Device device;
    private final DataType dtype;
    private final boolean overwrite;
    private final Shard shard;
    private final OpenAiBackend.Options server;
    private final Path tokenizer;

    private EvalRun(Builder b) {
        if ((b.model == null) == (b.server == null) || b.tasks == null || b.out == null) {
            throw new IllegalArgumentException("an evaluation needs a model or a server (setModel or setServer, not "
                    + "both), tasks and an output folder (setTasks, setOut)");
        }
        if (b.server != null && (b.adapter != null || b.referenceModel != null)) {
            throw new IllegalArgumentException(b.adapter != null
                    ? "--adapter applies a PEFT adapter to a local model; with --backend openai the server applies "
                            + "adapters: load it there (vLLM: --lora-modules NAME=DIR) and pass --model NAME"
                    : "--reference-model is the KL reference of perplexity tasks, which run only with --backend "
                            + "local; leave it out with --backend openai");
        }
        this.model = b.model;
        this.server = b.server;
        this.tokenizer = b.tokenizer;
        this.adapter = b.adapter;
        this.referenceModel = b.referenceModel;
        this.kl = b.kl;
        this.tasks = List.copyOf(b.tasks);
        this.out = b.out;
        this.encoder = b.encoder;
        this.encoderBackend = b.encoderBackend;
        this.device = b.device;
        this.dtype = b.dtype;
        this.overwrite = b.overwrite;
        this.shard = b.shard;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What to evaluate ({@code set...}: required) and how ({@code opt...}: optional, with defaults). */
    public static final class Builder {
        private Path model;
        private Path adapter;
        private Path referenceModel;
        private boolean kl = true;
        private List<TaskConfig.Loaded> tasks;
        private Path out;
        private Path encoder;
        private SentenceEncoders.Backend encoderBackend = SentenceEncoders.Backend.NATIVE;
        private Device device = Device.cpu();
        private DataType dtype = DataType.FLOAT32;
        private boolean overwrite;
        private Shard shard = Shard.WHOLE;
        private OpenAiBackend.Options server;
        private Path tokenizer;

        private Builder() {
        }

        /** The HF model directory, evaluated on the local engine. */
        public Builder setModel(Path model) {
            this.model = model;
            return this;
        }

        /**
         * Instead of a model directory: the server that generates and scores ({@code server.model()} is the served
         * model or adapter name), and the model directory whose tokenizer (and chat template) renders and tokenizes
         * the prompts, which are sent as token ids. Perplexity tasks cannot run this way.
         */
        public Builder setServer(OpenAiBackend.Options server, Path tokenizer) {
            this.server = server;
            this.tokenizer = Objects.requireNonNull(tokenizer, "the tokenizer directory of a server evaluation");
            return this;
        }

        /** The tasks, in the order they run. */
        public Builder setTasks(List<TaskConfig.Loaded> tasks) {
            this.tasks = tasks;
            return this;
        }

        /** The evaluation folder. */
        public Builder setOut(Path out) {
            this.out = out;
            return this;
        }

        /** A PEFT adapter to apply (default none). */
        public Builder optAdapter(Path adapter) {
            this.adapter = adapter;
            return this;
        }

        /**
         * The reference of KL metrics (default null: the base, i.e. the model with its adapter off, when there is
         * an adapter, else none).
         */
        public Builder optReferenceModel(Path referenceModel) {
            this.referenceModel = referenceModel;
            return this;
        }

        /** Measure KL at all (default true). */
        public Builder optKl(boolean kl) {
            this.kl = kl;
            return this;
        }

        /** A sentence encoder overriding the tasks' similarity.encoder (default none). */
        public Builder optEncoder(Path encoder) {
            this.encoder = encoder;
            return this;
        }

        /** Native or ONNX sentence encoders (default native). */
        public Builder optEncoderBackend(SentenceEncoders.Backend encoderBackend) {
            this.encoderBackend = encoderBackend;
            return this;
        }

        /** The compute device (default CPU). */
        public Builder optDevice(Device device) {
            this.device = device;
            return this;
        }

        /** The compute dtype (default float32). */
        public Builder optDtype(DataType dtype) {
            this.dtype = dtype;
            return this;
        }

        /** Run complete tasks again (default false: skip them). */
        public Builder optOverwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /** Evaluate only this shard's part of every task (default {@link Shard#WHOLE}). */
        public Builder optShard(Shard shard) {
            this.shard = shard;
            return this;
        }

        public EvalRun build() {
            return new EvalRun(this);
        }
    }

    /** Runs every task (skipping complete ones unless overwrite); {@code onTask} sees each result as it lands. */
    public List<Evaluator.Result> run(Progress progress, Consumer<Evaluator.Result> onTask) throws IOException {
        if (server != null) {
            for (TaskConfig.Loaded t : tasks) { // before any work: no server call, nothing written
                if (t.config().type() == TaskConfig.Type.PERPLEXITY) {
                    throw new IllegalArgumentException(EvalContext.perplexityNeedsLocal(t.name(), "the server "
                            + server.baseUrl() + " (model " + server.model() + ")"));
                }
            }
        }
        checkOutFolder();
        SentenceEncoders.Options enc = new SentenceEncoders.Options(encoderBackend, device, DataType.FLOAT32, 64,
                Pooling.MEAN, null);
        if (server != null) {
            try (TextTokenizer tok = TextTokenizer.load(tokenizer); OpenAiBackend backend = OpenAiBackend.connect(
                    server)) {
                return runTasks(EvalContext.remote(backend, tok, encoder, enc, progress), onTask);
            }
        }
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
                return runTasks(EvalContext.local(lm, tok, ref, refIsBase, encoder, enc, progress), onTask);
            } finally {
                if (ref != null && !refIsBase) {
                    ref.close();
                }
            }
        }
    }

    private List<Evaluator.Result> runTasks(EvalContext ctx, Consumer<Evaluator.Result> onTask) throws IOException {
        writeRunInfo(ctx.backend().describe());
        List<Evaluator.Result> results = new ArrayList<>();
        for (TaskConfig.Loaded t : tasks) {
            Evaluator.Result r = Evaluator.run(List.of(t), ctx, out, modelLabel(),
                    adapter == null ? null : adapter.toString(), shard, overwrite).get(0);
            results.add(r);
            if (onTask != null) {
                onTask.accept(r);
            }
        }
        return results;
    }

    /** The model as summaries show it: its directory, or the served model or adapter name. */
    private String modelLabel() {
        return server != null ? server.model() : model.toString();
    }

    /**
     * An evaluation folder belongs to one model and adapter, and to one shard: refuse to mix results of another into
     * it.
     */
    private void checkOutFolder() throws IOException {
        EvalInfo info = EvalInfo.read(out);
        if (info == null || overwrite) {
            return;
        }
        String myAdapter = adapter == null ? null : adapter.toString();
        if (!modelLabel().equals(info.model()) || !Objects.equals(info.adapter(), myAdapter)) {
            throw new IllegalArgumentException(out + " holds results of --model " + info.model()
                    + (info.adapter() == null ? "" : " --adapter " + info.adapter()) + "; use another --out for "
                    + modelLabel() + (myAdapter == null ? "" : " + " + myAdapter) + ", or --overwrite to replace them");
        }
        Shard theirs = info.shard() == null ? Shard.WHOLE : info.shard();
        if (!theirs.equals(shard)) {
            throw new IllegalArgumentException(out + " holds " + describe(theirs) + ", not " + describe(shard)
                    + "; give every shard its own --out (e.g. " + out.getFileName() + ".shard-" + shard.index()
                    + "), or --overwrite to replace them");
        }
    }

    private static String describe(Shard s) {
        return s.isWhole() ? "a whole (unsharded) evaluation" : "shard " + s + " of a sharded evaluation";
    }

    private void writeRunInfo(String backend) throws IOException {
        new EvalInfo(modelLabel(), adapter == null ? null : adapter.toString(),
                referenceModel == null ? null : referenceModel.toString(), Torch.name(device),
                server != null ? null : dtype.toString(), tasks.stream().map(TaskConfig.Loaded::name).toList(),
                Instant.now().toString(), System.getProperty("java.version"),
                Torch.ENGINE + " " + Torch.engine().getVersion(), backend, shard.isWhole() ? null : shard, null)
                .write(out);
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
