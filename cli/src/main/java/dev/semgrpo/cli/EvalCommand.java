package dev.semgrpo.cli;

import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.eval.task.EvalRun;
import dev.semgrpo.eval.task.Evaluator;
import dev.semgrpo.eval.task.Progress;
import dev.semgrpo.eval.task.TaskConfig;
import dev.semgrpo.model.remote.ApiKeys;
import dev.semgrpo.model.remote.OpenAiBackend;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Evaluates a model (optionally with a LoRA adapter) on tasks and writes per-example results, on the local engine or
 * through an OpenAI-compatible server.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a model on tasks (configs/tasks/*.yaml). Writes <out>/<task>/examples.jsonl (input, "
                + "output, references, per-metric scores) and <out>/<task>/summary.json; finished tasks are skipped "
                + "when run again (--overwrite redoes them). With --backend openai, generation and multiple-choice "
                + "scoring run on a server (vLLM, semgrpo serve) while prompts are rendered and tokenized here "
                + "(--tokenizer); --model is then the served model or adapter name, --device where the similarity encoder runs, and "
                + "perplexity tasks need --backend local."},
        footer = {"", "Examples:",
                "  semgrpo eval --model models/Qwen3-4B \\",
                "      --tasks flores-zh-bo,cmrc2018-dev,ood-nll --out runs/eval-base",
                "  # KL(base || tuned) is measured with the adapter switched off:",
                "  semgrpo eval --model models/Qwen3-4B --adapter runs/qwen3-4b-grpo/final \\",
                "      --tasks flores-zh-bo,cmrc2018-dev,ood-nll --out runs/eval-grpo",
                "  # a merged model against its base, for the KL of ood-nll:",
                "  semgrpo eval --model runs/qwen3-4b-cold-start/merged \\",
                "      --reference-model models/Qwen3-4B \\",
                "      --tasks ood-nll --out runs/eval-cold-start-merged",
                "  # one job of four (--shard 0/4 to 3/4); 'semgrpo merge-shards' joins them:",
                "  semgrpo eval --model models/Qwen3-4B --tasks flores-zh-bo --shard 2/4 \\",
                "      --out runs/eval-base.shard-2",
                "  # on a server; perplexity tasks (ood-nll) need --backend local:",
                "  semgrpo eval --backend openai --base-url http://gpu-node:8000/v1 \\",
                "      --model qwen3-4b-grpo --tokenizer models/Qwen3-4B \\",
                "      --api-key-env VLLM_API_KEY --tasks flores-zh-bo,arc-easy \\",
                "      --out runs/eval-grpo"})
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

    @Option(names = "--backend", defaultValue = "local", description = "local (this JVM's engine, the model "
            + "directory --model) or openai (an OpenAI-compatible server at --base-url serving the model or adapter "
            + "named --model). Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--base-url", paramLabel = "URL", description = "the server of --backend openai, e.g. "
            + "http://127.0.0.1:8000/v1 (required with it)")
    String baseUrl;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "--backend openai: the model directory whose "
            + "tokenizer and chat template render and tokenize the prompts here, exactly as a local evaluation does "
            + "(required with it); prompts are sent as token ids")
    Path tokenizer;

    @Option(names = "--api-key-env", paramLabel = "VAR", description = "--backend openai: the environment variable "
            + "holding the server's API key (sent only in the Authorization header, never written anywhere); "
            + "default: no key")
    String apiKeyEnv;

    @Option(names = "--max-concurrency", paramLabel = "N", description = "--backend openai: requests in flight at "
            + "once (the server batches them). Default: 8.")
    Integer maxConcurrency;

    @Option(names = "--timeout", paramLabel = "S", description = "--backend openai: seconds per request, from "
            + "sending to the whole answer. Default: 600.")
    Integer timeout;

    @Option(names = "--shard", paramLabel = "i/N", description = "evaluate only shard i of N (0 <= i < N) of every "
            + "task, as one job of a job array; each shard needs its own --out, and `semgrpo merge-shards` combines "
            + "the N folders into the folder one unsharded run writes")
    String shard;

    @Override
    public Integer call() throws Exception {
        Shard part = shard == null ? Shard.WHOLE : Shard.parse(shard);
        OpenAiBackend.Options server = switch (backend.toLowerCase(Locale.ROOT)) {
            case "local" -> {
                requireUnset("--base-url", baseUrl, "--tokenizer", tokenizer, "--api-key-env", apiKeyEnv,
                        "--max-concurrency", maxConcurrency, "--timeout", timeout);
                yield null;
            }
            case "openai" -> serverOptions(System::getenv);
            default -> throw new IllegalArgumentException("--backend must be local or openai, found '" + backend
                    + "'");
        };
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
        SentenceEncoders.Backend encBackend = switch (encoderBackend.toLowerCase(Locale.ROOT)) {
            case "native" -> SentenceEncoders.Backend.NATIVE;
            case "onnx" -> SentenceEncoders.Backend.ONNX;
            default -> throw new IllegalArgumentException("--encoder-backend must be native or onnx, found '"
                    + encoderBackend + "'");
        };
        EvalRun.Builder b = EvalRun.builder().setTasks(loaded).setOut(out).optAdapter(adapter)
                .optReferenceModel(referenceModel).optKl(!noKl).optEncoder(encoder).optEncoderBackend(encBackend)
                .optDevice(model.device()).optOverwrite(overwrite).optShard(part);
        if (server == null) {
            b.setModel(model.model).optDtype(model.dtype());
        } else {
            b.setServer(server, tokenizer);
        }
        EvalRun run = b.build();
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

    /** --backend local takes none of the server's options. */
    private static void requireUnset(Object... optionsAndValues) {
        for (int i = 0; i < optionsAndValues.length; i += 2) {
            if (optionsAndValues[i + 1] != null) {
                throw new IllegalArgumentException(optionsAndValues[i] + " is an option of --backend openai; pass "
                        + "--backend openai, or leave it out for the local engine");
            }
        }
    }

    /**
     * The server of --backend openai from the flags; the API key read from the variable named by --api-key-env (the
     * key itself appears in no message).
     */
    OpenAiBackend.Options serverOptions(Function<String, String> env) {
        if (baseUrl == null || tokenizer == null) {
            throw new IllegalArgumentException("--backend openai needs --base-url (the server, e.g. "
                    + "http://127.0.0.1:8000/v1) and --tokenizer (the model directory whose tokenizer renders the "
                    + "prompts here)" + (baseUrl == null ? "; --base-url is missing" : "; --tokenizer is missing"));
        }
        URI url;
        try {
            url = new URI(baseUrl);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--base-url must be an http(s) URL such as http://127.0.0.1:8000/v1, "
                    + "found '" + baseUrl + "' (" + e.getReason() + ")", e);
        }
        if (url.getUserInfo() != null || url.getQuery() != null || url.getFragment() != null) {
            throw new IllegalArgumentException("--base-url must not carry credentials, a query or a fragment; pass "
                    + "the key with --api-key-env");
        }
        OpenAiBackend.Options o;
        try {
            o = OpenAiBackend.Options.of(url, model.model.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--base-url/--model: " + e.getMessage(), e);
        }
        o = o.withApiKey(ApiKeys.fromEnv(apiKeyEnv, "--api-key-env", env));
        if (maxConcurrency != null) {
            if (maxConcurrency < 1 || maxConcurrency > 1024) {
                throw new IllegalArgumentException("--max-concurrency must be in [1, 1024], found " + maxConcurrency);
            }
            o = o.withMaxConcurrency(maxConcurrency);
        }
        if (timeout != null) {
            if (timeout < 1) {
                throw new IllegalArgumentException("--timeout must be >= 1 second, found " + timeout);
            }
            o = o.withTimeout(Duration.ofSeconds(timeout));
        }
        return o;
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
