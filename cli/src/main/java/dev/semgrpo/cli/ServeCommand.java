package dev.semgrpo.cli;

import dev.semgrpo.model.generate.LogprobsMode;
import dev.semgrpo.serve.Server;
import dev.semgrpo.serve.ServerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Serves a model (and LoRA adapters) over the OpenAI/vLLM-compatible HTTP API until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serve a model over the OpenAI/vLLM-compatible API: POST /v1/completions,"
                + " /v1/chat/completions, /v1/load_lora_adapter, /v1/unload_lora_adapter; GET /v1/models, /health."
                + " Requests that arrive while a batch runs join the next one. Runs until Ctrl-C or SIGTERM (waiting"
                + " requests are answered 503, the running batch finishes) or a --stop-after limit.",
        footer = {"", "Examples:",
                "  semgrpo serve --model runs/tiny --port 8000",
                "  SEMGRPO_API_KEY=secret semgrpo serve --model models/Qwen3-4B --device gpu \\",
                "      --served-model-name policy --lora-root runs/grpo/checkpoints \\",
                "      --max-lora-rank 64 --logprobs-mode processed_logprobs",
                "  curl -s localhost:8000/v1/completions -H 'Content-Type: application/json' \\",
                "      -d '{\"model\": \"tiny\", \"prompt\": \"Hello\", \"max_tokens\": 16}'",
                "",
                "The wire contract is docs/serve.md; vLLM's option names are used where",
                "vLLM has the option."})
final class ServeCommand implements Callable<Integer> {
    /** Where the API key is read when --api-key is not given. */
    static final String API_KEY_VARIABLE = "SEMGRPO_API_KEY";

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT adapter merged into the base weights at"
            + " start: the served base model is then model + adapter")
    Path adapter;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "the base model's name in requests and"
            + " /v1/models. Default: the model directory's name.")
    String servedModelName;

    @Option(names = "--lora-modules", arity = "1..*", paramLabel = "NAME=DIR", description = "adapters loaded at"
            + " start, served under NAME (any directory: the operator's choice)")
    List<String> loraModules = new ArrayList<>();

    @Option(names = "--lora-root", paramLabel = "DIR", description = "turns on /v1/load_lora_adapter for adapters"
            + " under DIR (after resolving '..' and symbolic links). Default: off.")
    Path loraRoot;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind; 0.0.0.0 serves other"
            + " machines (set an API key then). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "0 picks a free port, printed at start."
            + " Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY", description = "every /v1/* request then needs 'Authorization:"
            + " Bearer KEY'. Default: the " + API_KEY_VARIABLE + " variable (prefer it: a command line is visible to"
            + " other users of the machine), else no authentication.")
    String apiKey;

    @Option(names = "--max-request-bytes", paramLabel = "N", description = "larger request bodies are answered 413."
            + " Default: 8388608 (8 MiB).")
    Long maxRequestBytes;

    @Option(names = "--max-n", paramLabel = "N", description = "largest n (samples per prompt). Default: 128.")
    Integer maxN;

    @Option(names = "--max-model-len", paramLabel = "N", description = "prompt + max_tokens at most. Default: the"
            + " model's max_position_embeddings.")
    Integer maxModelLen;

    @Option(names = "--max-tokens-per-request", paramLabel = "N", description = "prompts x n x max_tokens at most per"
            + " request. Default: 1048576.")
    Long maxTokensPerRequest;

    @Option(names = "--max-batch-rows", paramLabel = "N", description = "sequences decoded together. Default: 64.")
    Integer maxBatchRows;

    @Option(names = "--batch-wait-ms", paramLabel = "MS", description = "how long a batch that is not full waits for"
            + " more requests to join it (as vLLM's scheduler delay): clients whose requests arrive a moment apart"
            + " share a batch. Default: 10.")
    Double batchWaitMs;

    @Option(names = "--max-queue", paramLabel = "N", description = "requests waiting at most; more are answered 429"
            + " with Retry-After. Default: 256.")
    Integer maxQueue;

    @Option(names = "--max-loras", paramLabel = "N", description = "adapters loaded at once at most. Default: 4.")
    Integer maxLoras;

    @Option(names = "--max-lora-rank", paramLabel = "R", description = "largest adapter rank accepted. Default: 64.")
    Integer maxLoraRank;

    @Option(names = "--logprobs-mode", paramLabel = "MODE", description = "raw_logprobs (the model's distribution,"
            + " vLLM's default) or processed_logprobs (the distribution sampled from: after penalty, temperature,"
            + " top-k/p, min-p; what GRPO's importance-sampling correction needs). Default: raw_logprobs.")
    String logprobsMode;

    @Option(names = "--stop-after-requests", paramLabel = "N", description = "stop after answering N /v1/* requests"
            + " (tests, batch jobs). Default: never.")
    Long stopAfterRequests;

    @Option(names = "--stop-after-seconds", paramLabel = "S", description = "stop after S seconds. Default: never.")
    Double stopAfterSeconds;

    /** Where the API key's variable is looked up; tests give their own. */
    static Function<String, String> environment = System::getenv;

    @Override
    public Integer call() throws Exception {
        ServerOptions options = options();
        Server server = Server.start(options);
        Thread hook = new Thread(server::close, "semgrpo-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.out.printf(Locale.ROOT, "semgrpo serve: %s on %s (max_model_len %d, %s, %s); stop with Ctrl-C%n",
                server.modelName(), server.baseUrl(), server.maxModelLen(), label(options.logprobsMode()),
                options.apiKey() == null ? "no API key" : "API key required");
        System.out.flush();
        server.awaitStop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is what stopped the server
        }
        return 0;
    }

    ServerOptions options() {
        ServerOptions.Builder b = ServerOptions.builder().setModel(modelOptions.model).optDevice(modelOptions.device())
                .optDtype(modelOptions.dtype()).optAdapter(adapter).optServedModelName(servedModelName)
                .optLoraRoot(loraRoot).optHost(host).optPort(port);
        for (String m : loraModules) {
            int eq = m.indexOf('=');
            if (eq <= 0 || eq == m.length() - 1) {
                throw new IllegalArgumentException("--lora-modules takes NAME=DIR, found '" + m + "'");
            }
            b.optLoraModule(m.substring(0, eq), Path.of(m.substring(eq + 1)));
        }
        String key = apiKey != null ? apiKey : environment.apply(API_KEY_VARIABLE);
        if (key != null && !key.isEmpty()) {
            b.optApiKey(key);
        }
        if (maxRequestBytes != null) {
            b.optMaxRequestBytes(maxRequestBytes);
        }
        if (maxN != null) {
            b.optMaxN(maxN);
        }
        if (maxModelLen != null) {
            b.optMaxModelLen(maxModelLen);
        }
        if (maxTokensPerRequest != null) {
            b.optMaxTokensPerRequest(maxTokensPerRequest);
        }
        if (maxBatchRows != null) {
            b.optMaxBatchRows(maxBatchRows);
        }
        if (batchWaitMs != null) {
            b.optBatchWaitMs(batchWaitMs);
        }
        if (maxQueue != null) {
            b.optMaxQueue(maxQueue);
        }
        if (maxLoras != null) {
            b.optMaxLoras(maxLoras);
        }
        if (maxLoraRank != null) {
            b.optMaxLoraRank(maxLoraRank);
        }
        if (logprobsMode != null) {
            b.optLogprobsMode(mode(logprobsMode));
        }
        if (stopAfterRequests != null) {
            b.optStopAfterRequests(stopAfterRequests);
        }
        if (stopAfterSeconds != null) {
            b.optStopAfterSeconds(stopAfterSeconds);
        }
        return b.build();
    }

    static LogprobsMode mode(String name) {
        return switch (name) {
            case "raw_logprobs" -> LogprobsMode.RAW;
            case "processed_logprobs" -> LogprobsMode.PROCESSED;
            default -> throw new IllegalArgumentException("--logprobs-mode must be raw_logprobs or processed_logprobs,"
                    + " found '" + name + "'");
        };
    }

    private static String label(LogprobsMode mode) {
        return mode == LogprobsMode.RAW ? "raw_logprobs" : "processed_logprobs";
    }
}
