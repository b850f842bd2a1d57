package dev.semgrpo.serve;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.generate.LogprobsMode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link Server} runs. Build with {@link #builder()}; {@code model} is required, the rest have the defaults
 * named on each builder method (vLLM's where vLLM has the option).
 *
 * @param model HF model directory served as the base model
 * @param adapter a PEFT adapter merged into the base weights at start (the served base is then model + adapter), or
 *     null
 * @param servedModelName the base model's name in requests and {@code /v1/models}; null = the directory's name
 * @param loraModules adapters loaded at start, name to directory (trusted: not limited to {@code loraRoot})
 * @param loraRoot runtime loading through {@code /v1/load_lora_adapter} is on only with a root, and only directories
 *     under it (after resolving {@code ..} and symlinks) can be loaded; null = off
 * @param host address to bind
 * @param port port to bind; 0 picks a free one ({@link Server#port()})
 * @param apiKey when set, every {@code /v1/*} request needs {@code Authorization: Bearer <key>}; null = no auth
 * @param maxRequestBytes larger request bodies are answered 413
 * @param maxN largest {@code n}
 * @param maxModelLen prompt + max_tokens at most; 0 = the model's max_position_embeddings
 * @param maxTokensPerRequest prompts x n x max_tokens at most per request
 * @param maxBatchRows most sequences decoded together
 * @param batchWaitMs how long a batch that is not full waits for more requests to join it (0 = not at all)
 * @param maxQueue requests waiting for the engine at most; more are answered 429
 * @param maxLoras adapters loaded at once at most
 * @param maxLoraRank largest adapter rank accepted
 * @param logprobsMode which distribution reported log-probs come from
 * @param stopAfterRequests the server stops itself after answering this many {@code /v1/*} requests; 0 = never
 * @param stopAfterSeconds the server stops itself after this long; 0 = never
 * @param device where the model runs
 * @param dtype compute dtype (FP32 or FP16)
 */
public record ServerOptions(Path model, Path adapter, String servedModelName, Map<String, Path> loraModules,
        Path loraRoot, String host, int port, String apiKey, long maxRequestBytes, int maxN, int maxModelLen,
        long maxTokensPerRequest, int maxBatchRows, double batchWaitMs, int maxQueue, int maxLoras, int maxLoraRank,
        LogprobsMode logprobsMode, long stopAfterRequests, double stopAfterSeconds, Device device, DataType dtype) {

    public ServerOptions {
        Objects.requireNonNull(model, "model directory");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(logprobsMode, "logprobs mode");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(dtype, "dtype");
        loraModules = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(loraModules));
        if (servedModelName != null && servedModelName.isBlank()) {
            throw new IllegalArgumentException("--served-model-name must not be blank");
        }
        if (apiKey != null && apiKey.isEmpty()) {
            throw new IllegalArgumentException("--api-key must not be empty; leave it out for no authentication");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535] (0 = a free port), found " + port);
        }
        atLeast("--max-request-bytes", maxRequestBytes, 1);
        atLeast("--max-n", maxN, 1);
        atLeast("--max-model-len", maxModelLen, 0);
        atLeast("--max-tokens-per-request", maxTokensPerRequest, 1);
        atLeast("--max-batch-rows", maxBatchRows, 1);
        if (!(batchWaitMs >= 0 && batchWaitMs <= 10_000)) {
            throw new IllegalArgumentException("--batch-wait-ms must be in [0, 10000], found " + batchWaitMs);
        }
        atLeast("--max-queue", maxQueue, 1);
        atLeast("--max-loras", maxLoras, 0);
        atLeast("--max-lora-rank", maxLoraRank, 1);
        atLeast("--stop-after-requests", stopAfterRequests, 0);
        if (!(stopAfterSeconds >= 0) || Double.isInfinite(stopAfterSeconds)) {
            throw new IllegalArgumentException("--stop-after-seconds must be a finite number >= 0 (0 = never), found "
                    + stopAfterSeconds);
        }
        if (loraModules.size() > maxLoras) {
            throw new IllegalArgumentException("--lora-modules names " + loraModules.size() + " adapters but"
                    + " --max-loras=" + maxLoras + "; raise --max-loras");
        }
    }

    private static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be >= " + min + ", found " + value);
        }
    }

    /** Never prints the API key. */
    @Override
    public String toString() {
        return "ServerOptions[model=" + model + ", adapter=" + adapter + ", servedModelName=" + servedModelName
                + ", loraModules=" + loraModules + ", loraRoot=" + loraRoot + ", host=" + host + ", port=" + port
                + ", apiKey=" + (apiKey == null ? "none" : "(set)") + ", maxRequestBytes=" + maxRequestBytes
                + ", maxN=" + maxN + ", maxModelLen=" + maxModelLen + ", maxTokensPerRequest=" + maxTokensPerRequest
                + ", maxBatchRows=" + maxBatchRows + ", batchWaitMs=" + batchWaitMs + ", maxQueue=" + maxQueue
                + ", maxLoras=" + maxLoras
                + ", maxLoraRank=" + maxLoraRank + ", logprobsMode=" + logprobsMode + ", stopAfterRequests="
                + stopAfterRequests + ", stopAfterSeconds=" + stopAfterSeconds + ", device=" + device + ", dtype="
                + dtype + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link ServerOptions}: {@link #setModel} is required; the record's constructor checks the values. */
    public static final class Builder {
        private Path model;
        private Path adapter;
        private String servedModelName;
        private final Map<String, Path> loraModules = new LinkedHashMap<>();
        private Path loraRoot;
        private String host = "127.0.0.1";
        private int port = 8000;
        private String apiKey;
        private long maxRequestBytes = 8L << 20;
        private int maxN = 128;
        private int maxModelLen;
        private long maxTokensPerRequest = 1L << 20;
        private int maxBatchRows = 64;
        private double batchWaitMs = 10;
        private int maxQueue = 256;
        private int maxLoras = 4;
        private int maxLoraRank = 64;
        private LogprobsMode logprobsMode = LogprobsMode.RAW;
        private long stopAfterRequests;
        private double stopAfterSeconds;
        private Device device = Device.cpu();
        private DataType dtype = DataType.FLOAT32;

        private Builder() {
        }

        /** The base model's directory (required). */
        public Builder setModel(Path model) {
            this.model = model;
            return this;
        }

        /** An adapter merged into the base at start (default none). */
        public Builder optAdapter(Path adapter) {
            this.adapter = adapter;
            return this;
        }

        /** Default: the model directory's name. */
        public Builder optServedModelName(String name) {
            this.servedModelName = name;
            return this;
        }

        /** An adapter loaded at start under {@code name} (repeatable). */
        public Builder optLoraModule(String name, Path dir) {
            if (loraModules.put(name, dir) != null) {
                throw new IllegalArgumentException("--lora-modules names '" + name + "' twice");
            }
            return this;
        }

        /** Where runtime-loaded adapters must live (default none: runtime loading off). */
        public Builder optLoraRoot(Path root) {
            this.loraRoot = root;
            return this;
        }

        /** Default 127.0.0.1. */
        public Builder optHost(String host) {
            this.host = host;
            return this;
        }

        /** Default 8000 (vLLM's); 0 = a free port. */
        public Builder optPort(int port) {
            this.port = port;
            return this;
        }

        /** Default none. */
        public Builder optApiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /** Default 8 MiB. */
        public Builder optMaxRequestBytes(long bytes) {
            this.maxRequestBytes = bytes;
            return this;
        }

        /** Default 128. */
        public Builder optMaxN(int maxN) {
            this.maxN = maxN;
            return this;
        }

        /** Default 0 = the model's max_position_embeddings. */
        public Builder optMaxModelLen(int maxModelLen) {
            this.maxModelLen = maxModelLen;
            return this;
        }

        /** Default 2^20 generated tokens (prompts x n x max_tokens). */
        public Builder optMaxTokensPerRequest(long tokens) {
            this.maxTokensPerRequest = tokens;
            return this;
        }

        /** Default 64. */
        public Builder optMaxBatchRows(int rows) {
            this.maxBatchRows = rows;
            return this;
        }

        /** Default 10 ms. */
        public Builder optBatchWaitMs(double ms) {
            this.batchWaitMs = ms;
            return this;
        }

        /** Default 256 waiting requests. */
        public Builder optMaxQueue(int requests) {
            this.maxQueue = requests;
            return this;
        }

        /** Default 4. */
        public Builder optMaxLoras(int maxLoras) {
            this.maxLoras = maxLoras;
            return this;
        }

        /** Default 64 (the paper's adapters). */
        public Builder optMaxLoraRank(int rank) {
            this.maxLoraRank = rank;
            return this;
        }

        /** Default raw (vLLM's raw_logprobs). */
        public Builder optLogprobsMode(LogprobsMode mode) {
            this.logprobsMode = mode;
            return this;
        }

        /** Default 0 = never. */
        public Builder optStopAfterRequests(long requests) {
            this.stopAfterRequests = requests;
            return this;
        }

        /** Default 0 = never. */
        public Builder optStopAfterSeconds(double seconds) {
            this.stopAfterSeconds = seconds;
            return this;
        }

        /** Default cpu. */
        public Builder optDevice(Device device) {
            this.device = device;
            return this;
        }

        /** Default float32. */
        public Builder optDtype(DataType dtype) {
            this.dtype = dtype;
            return this;
        }

        public ServerOptions build() {
            if (model == null) {
                throw new IllegalStateException("ServerOptions.builder(): setModel is required");
            }
            return new ServerOptions(model, adapter, servedModelName, loraModules, loraRoot, host, port, apiKey,
                    maxRequestBytes, maxN, maxModelLen, maxTokensPerRequest, maxBatchRows, batchWaitMs, maxQueue,
                    maxLoras, maxLoraRank, logprobsMode, stopAfterRequests, stopAfterSeconds, device, dtype);
        }
    }
}
