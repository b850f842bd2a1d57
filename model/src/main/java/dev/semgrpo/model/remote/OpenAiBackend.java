package dev.semgrpo.model.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.FinishReason;
import dev.semgrpo.model.generate.GenerationBackend;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.SecretRedactor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * A {@link GenerationBackend} on an OpenAI-compatible server: vLLM's OpenAI server, {@code semgrpo serve}, or any
 * server that takes token-id prompts and returns token ids with their log-probs ({@code return_tokens_as_token_ids}).
 *
 * <p>Each prompt is one {@code POST /v1/completions} with {@code n} samples; up to {@code max_concurrency} are in
 * flight, and the server batches them. A sampled prompt's seed is derived from (seed, its index in the data set), so a
 * data set generated in slices, or a resumed run, asks for exactly the same samples. Multiple-choice scoring sends
 * prompt + continuation with {@code echo} and reads the prompt log-probs.
 *
 * <p>429, 502, 503, 504 and transport errors (refused, reset, timed out) are retried with exponential backoff (at
 * least a server's Retry-After); a server that stays unreachable ends the call with a {@link RemoteException} naming
 * the URL. Other errors fail at once with the server's message and field. The API key is sent only in the
 * Authorization header and masked in every message. Thread-safe.
 */
public final class OpenAiBackend implements GenerationBackend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXCERPT = 300;
    private static final String TOKEN_ID = "token_id:";

    /**
     * Where the server is and how to talk to it.
     *
     * @param baseUrl the server (http://host:8000) or its API root (http://host:8000/v1)
     * @param model the served model or loaded adapter that requests name ({@code model} field)
     * @param apiKey sent as {@code Authorization: Bearer}, or null for a server without authentication
     * @param timeout per request, from sending to the last byte of the answer
     * @param maxConcurrency requests in flight at once (the server batches them)
     * @param maxRetries retries of a request the server could not take (429, 502-504, transport errors)
     * @param retryBackoff first delay between retries; doubles per retry up to {@code maxBackoff}
     */
    public record Options(URI baseUrl, String model, String apiKey, Duration timeout, int maxConcurrency,
            int maxRetries, Duration retryBackoff, Duration maxBackoff) {
        public Options {
            if (baseUrl == null || baseUrl.getScheme() == null || !(baseUrl.getScheme().equals("http")
                    || baseUrl.getScheme().equals("https")) || baseUrl.getHost() == null) {
                throw new IllegalArgumentException("base_url must be an http(s) URL such as http://127.0.0.1:8000/v1, "
                        + "found '" + baseUrl + "'");
            }
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("model (the served model or adapter name) must be set");
            }
            if (apiKey != null && !apiKey.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("the API key holds characters an HTTP header cannot carry (spaces, "
                        + "control or non-ASCII characters); set the variable to the bare key");
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be > 0, found " + timeout);
            }
            if (maxConcurrency < 1 || maxConcurrency > 1024) {
                throw new IllegalArgumentException("max_concurrency must be in [1, 1024], found " + maxConcurrency);
            }
            if (maxRetries < 0 || maxRetries > 100) {
                throw new IllegalArgumentException("max_retries must be in [0, 100], found " + maxRetries);
            }
            if (retryBackoff == null || retryBackoff.isNegative() || maxBackoff == null || maxBackoff.compareTo(
                    retryBackoff) < 0) {
                throw new IllegalArgumentException("retry backoff must be >= 0 and <= the largest backoff, found "
                        + retryBackoff + " and " + maxBackoff);
            }
        }

        /** Defaults: no key, 600 s per request, 8 in flight, 6 retries from 0.5 s doubling to 30 s (about 30 s). */
        public static Options of(URI baseUrl, String model) {
            return new Options(baseUrl, model, null, Duration.ofSeconds(600), 8, 6, Duration.ofMillis(500),
                    Duration.ofSeconds(30));
        }

        public Options withModel(String m) {
            return new Options(baseUrl, m, apiKey, timeout, maxConcurrency, maxRetries, retryBackoff, maxBackoff);
        }

        public Options withApiKey(String k) {
            return new Options(baseUrl, model, k, timeout, maxConcurrency, maxRetries, retryBackoff, maxBackoff);
        }

        public Options withTimeout(Duration t) {
            return new Options(baseUrl, model, apiKey, t, maxConcurrency, maxRetries, retryBackoff, maxBackoff);
        }

        public Options withMaxConcurrency(int c) {
            return new Options(baseUrl, model, apiKey, timeout, c, maxRetries, retryBackoff, maxBackoff);
        }

        public Options withRetries(int retries, Duration backoff, Duration max) {
            return new Options(baseUrl, model, apiKey, timeout, maxConcurrency, retries, backoff, max);
        }

        /** The API root: the base URL with {@code /v1} appended unless it ends with it. */
        URI apiRoot() {
            String s = baseUrl.toString().replaceAll("/+$", "");
            return URI.create(s.endsWith("/v1") ? s : s + "/v1");
        }
    }

    /** One entry of {@code GET /v1/models}. */
    public record ServedModel(String id, String parent, Integer maxModelLen) {
    }

    private final Options options;
    private final URI api;
    private final HttpClient http;
    private final ExecutorService pool;
    private final SecretRedactor redactor;
    private final int maxPositions;
    private final boolean owner;

    private OpenAiBackend(Options options, HttpClient http, ExecutorService pool, int maxPositions, boolean owner) {
        this.options = options;
        this.api = options.apiRoot();
        this.http = http;
        this.pool = pool;
        this.redactor = options.apiKey() == null ? SecretRedactor.none() : SecretRedactor.of(options.apiKey());
        this.maxPositions = maxPositions;
        this.owner = owner;
    }

    /**
     * Connects: lists the served models (retrying while the server starts) and checks that {@code options.model()} is
     * one of them. Its {@code max_model_len}, where the server gives one, bounds prompts.
     */
    public static OpenAiBackend connect(Options options) throws IOException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(Math.min(30, options.timeout().toSeconds() + 1)))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        ExecutorService pool = Executors.newFixedThreadPool(options.maxConcurrency(), r -> {
            Thread t = new Thread(r, "openai-client");
            t.setDaemon(true);
            return t;
        });
        OpenAiBackend probe = new OpenAiBackend(options, http, pool, Integer.MAX_VALUE, true);
        try {
            List<ServedModel> models = probe.models();
            ServedModel mine = models.stream().filter(m -> m.id().equals(options.model())).findFirst()
                    .orElseThrow(() -> new RemoteException(404, "model '" + options.model() + "' is not served at "
                            + probe.api + "; it serves " + models.stream().map(ServedModel::id).toList()
                            + ": name one of them, or load the adapter first"));
            Integer len = mine.maxModelLen();
            if (len == null && mine.parent() != null) {
                len = models.stream().filter(m -> m.id().equals(mine.parent())).map(ServedModel::maxModelLen)
                        .filter(x -> x != null).findFirst().orElse(null);
            }
            return new OpenAiBackend(options, http, pool, len == null ? Integer.MAX_VALUE : len, true);
        } catch (IOException | RuntimeException e) {
            pool.shutdownNow();
            throw e;
        }
    }

    /** The same server and connections, requests naming {@code model} (an adapter loaded with loadAdapter). */
    public OpenAiBackend withModel(String model) {
        return new OpenAiBackend(options.withModel(model), http, pool, maxPositions, false);
    }

    public Options options() {
        return options;
    }

    /** {@code GET /v1/models}. */
    public List<ServedModel> models() throws IOException {
        JsonNode root = send("GET", "models", null);
        JsonNode data = root.path("data");
        if (!data.isArray()) {
            throw malformed("GET", "models", "no 'data' list", root);
        }
        List<ServedModel> out = new ArrayList<>();
        for (JsonNode m : data) {
            if (!m.path("id").isTextual()) {
                throw malformed("GET", "models", "an entry without an 'id' string", root);
            }
            JsonNode len = m.get("max_model_len");
            out.add(new ServedModel(m.get("id").asText(), m.path("parent").isTextual() ? m.get("parent").asText()
                    : null, len != null && len.canConvertToInt() && len.isIntegralNumber() ? len.intValue() : null));
        }
        return out;
    }

    /**
     * Loads a PEFT adapter directory under {@code name} ({@code POST /v1/load_lora_adapter}); the path is sent as an
     * absolute path, which the server must be able to read (a shared directory when it runs elsewhere).
     */
    public void loadAdapter(String name, Path dir) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("lora_name", name);
        body.put("lora_path", dir.toAbsolutePath().normalize().toString());
        send("POST", "load_lora_adapter", body);
    }

    /** Unloads the adapter {@code name} ({@code POST /v1/unload_lora_adapter}). */
    public void unloadAdapter(String name) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("lora_name", name);
        send("POST", "unload_lora_adapter", body);
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public List<List<Completion>> generate(List<int[]> prompts, int firstIndex, SamplingParams params,
            IntConsumer progress) throws IOException {
        List<Task<List<Completion>>> tasks = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            int index = firstIndex + i;
            int[] prompt = prompts.get(i);
            tasks.add(() -> complete(prompt, index, params));
        }
        return runAll(tasks, progress);
    }

    @Override
    public double[] continuationLogprobs(List<int[]> prompts, List<int[]> continuations) throws IOException {
        if (prompts.size() != continuations.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + continuations.size()
                    + " continuations");
        }
        List<Task<Double>> tasks = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i);
            int[] c = continuations.get(i);
            tasks.add(() -> echoLogprob(p, c));
        }
        List<Double> sums = runAll(tasks, null);
        return sums.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Override
    public String describe() {
        return "OpenAI-compatible server " + api + " (model " + options.model() + ")";
    }

    @Override
    public void close() {
        if (owner) {
            pool.shutdownNow();
        }
    }

    /** The seed of the prompt at {@code index} of a data set sampled with {@code seed}: in [0, 2^63). */
    public static long promptSeed(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }

    /** The request body of one prompt's samples. */
    static ObjectNode completionBody(String model, int[] prompt, int index, SamplingParams p) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ArrayNode ids = body.putArray("prompt");
        for (int t : prompt) {
            ids.add(t);
        }
        body.put("max_tokens", p.maxNewTokens());
        body.put("n", p.n());
        if (p.greedy()) {
            body.put("temperature", 0.0);
        } else {
            body.put("temperature", p.temperature());
            body.put("top_p", p.topP());
            if (p.topK() > 0) {
                body.put("top_k", p.topK());
            }
            if (p.minP() > 0) {
                body.put("min_p", p.minP());
            }
            body.put("seed", promptSeed(p.seed(), index));
        }
        if (p.repetitionPenalty() != 1.0) {
            body.put("repetition_penalty", p.repetitionPenalty());
        }
        if (!p.stopStrings().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            p.stopStrings().forEach(stop::add);
        }
        body.put("logprobs", 0);
        body.put("return_tokens_as_token_ids", true);
        body.put("stream", false);
        return body;
    }

    private List<Completion> complete(int[] prompt, int index, SamplingParams p) throws IOException {
        JsonNode root = send("POST", "completions", completionBody(options.model(), prompt, index, p));
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.size() != p.n()) {
            throw malformed("POST", "completions", "expected " + p.n() + " choices", root);
        }
        Completion[] out = new Completion[p.n()];
        for (JsonNode ch : choices) {
            int k = ch.path("index").isIntegralNumber() ? ch.get("index").intValue() : -1;
            if (k < 0 || k >= p.n() || out[k] != null) {
                throw malformed("POST", "completions", "choice index " + ch.path("index") + " is not one of 0.."
                        + (p.n() - 1) + " exactly once", root);
            }
            Tokens t = tokens(ch, 0, root);
            String reason = ch.path("finish_reason").asText("");
            FinishReason fr = switch (reason) {
                case "stop" -> FinishReason.STOP;
                case "length" -> FinishReason.LENGTH;
                default -> throw malformed("POST", "completions", "finish_reason '" + reason + "' is neither stop "
                        + "nor length", root);
            };
            if (!ch.path("text").isTextual()) {
                throw malformed("POST", "completions", "a choice without 'text'", root);
            }
            out[k] = new Completion(index, k, t.ids(), redactor.redact(ch.get("text").asText()), t.logprobs(), fr);
        }
        return List.of(out);
    }

    /** Sum of the continuation's prompt log-probs, read from an echoed prompt + continuation. */
    private double echoLogprob(int[] prompt, int[] continuation) throws IOException {
        int[] all = Arrays.copyOf(prompt, prompt.length + continuation.length);
        System.arraycopy(continuation, 0, all, prompt.length, continuation.length);
        ObjectNode body = JSON.createObjectNode();
        body.put("model", options.model());
        ArrayNode ids = body.putArray("prompt");
        for (int t : all) {
            ids.add(t);
        }
        // lm-evaluation-harness asks for one token too; 0 when the row fills the context
        body.put("max_tokens", all.length < maxPositions ? 1 : 0);
        body.put("temperature", 0.0);
        body.put("echo", true);
        body.put("logprobs", 0);
        body.put("return_tokens_as_token_ids", true);
        body.put("stream", false);
        JsonNode root = send("POST", "completions", body);
        JsonNode ch = root.path("choices").path(0);
        Tokens t = tokens(ch, 1, root);
        if (t.ids().length < all.length || !Arrays.equals(Arrays.copyOf(t.ids(), all.length), all)) {
            throw malformed("POST", "completions", "the echoed prompt is not the " + all.length + " token ids sent",
                    root);
        }
        double sum = 0;
        for (int i = prompt.length; i < all.length; i++) {
            sum += t.logprobs()[i];
        }
        if (!Double.isFinite(sum)) {
            throw new RemoteException(200, "the server at " + api + " gave a non-finite log-probability for an "
                    + "echoed continuation (" + sum + "); check the served model for overflow");
        }
        return sum;
    }

    private record Tokens(int[] ids, float[] logprobs) {
    }

    /**
     * A choice's token ids ({@code token_ids}, else {@code logprobs.tokens} as "token_id:N") and their log-probs;
     * the first {@code nullable} log-probs may be null (an echoed prompt's first token).
     */
    private Tokens tokens(JsonNode choice, int nullable, JsonNode root) throws RemoteException {
        JsonNode lp = choice.path("logprobs");
        JsonNode tokens = lp.path("tokens");
        JsonNode values = lp.path("token_logprobs");
        if (!tokens.isArray() || !values.isArray() || tokens.size() != values.size()) {
            throw malformed("POST", "completions", "a choice without logprobs.tokens and logprobs.token_logprobs of "
                    + "equal length (the server must return log-probs)", root);
        }
        int n = tokens.size();
        int[] ids = new int[n];
        float[] lps = new float[n];
        JsonNode direct = choice.get("token_ids");
        for (int i = 0; i < n; i++) {
            String tok = tokens.get(i).asText("");
            if (tok.startsWith(TOKEN_ID)) {
                try {
                    ids[i] = Integer.parseInt(tok.substring(TOKEN_ID.length()));
                } catch (NumberFormatException e) {
                    throw malformed("POST", "completions", "token '" + tok + "' is not token_id:<int>", root);
                }
            } else {
                throw malformed("POST", "completions", "token '" + tok + "' is not token_id:<int>: the server "
                        + "ignored return_tokens_as_token_ids (vLLM has it since 0.6)", root);
            }
            JsonNode v = values.get(i);
            if (v.isNull() && i < nullable) {
                lps[i] = Float.NaN;
            } else if (v.isNumber()) {
                lps[i] = v.floatValue();
            } else {
                throw malformed("POST", "completions", "token_logprobs[" + i + "] is " + v + ", not a number", root);
            }
        }
        if (direct != null && direct.isArray() && nullable == 0) {
            int[] d = new int[direct.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = direct.get(i).asInt();
            }
            if (!Arrays.equals(d, ids)) {
                throw malformed("POST", "completions", "token_ids disagree with logprobs.tokens", root);
            }
        }
        return new Tokens(ids, lps);
    }

    @FunctionalInterface
    private interface Task<T> {
        T call() throws IOException;
    }

    /** Runs the tasks {@code max_concurrency} at a time; results in task order; the first failure cancels the rest. */
    private <T> List<T> runAll(List<Task<T>> tasks, IntConsumer progress) throws IOException {
        CompletionService<Object[]> done = new ExecutorCompletionService<>(pool);
        List<Future<Object[]>> futures = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            int idx = i;
            Task<T> t = tasks.get(i);
            futures.add(done.submit(() -> new Object[] {idx, t.call()}));
        }
        List<T> out = new ArrayList<>(java.util.Collections.nCopies(tasks.size(), null));
        try {
            for (int finished = 1; finished <= tasks.size(); finished++) {
                Object[] r = done.take().get();
                @SuppressWarnings("unchecked")
                T value = (T) r[1];
                out.set((Integer) r[0], value);
                if (progress != null) {
                    progress.accept(finished);
                }
            }
            return out;
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + api, e);
        }
    }

    /** One request with retries; the parsed JSON body of a 2xx answer (or an empty object for a non-JSON one). */
    private JsonNode send(String method, String path, ObjectNode body) throws IOException {
        URI uri = api.resolve(api.getPath().endsWith("/") ? path : api.getPath() + "/" + path);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(options.timeout())
                .header("Accept", "application/json");
        if (body != null) {
            rb.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(
                    body.toString(), StandardCharsets.UTF_8));
        } else {
            rb.method(method, HttpRequest.BodyPublishers.noBody());
        }
        if (options.apiKey() != null) {
            rb.header("Authorization", "Bearer " + options.apiKey());
        }
        HttpRequest request = rb.build();
        String what = method + " " + uri;
        String last = "";
        int lastStatus = -1;
        int attempts = options.maxRetries() + 1;
        for (int attempt = 0; attempt < attempts; attempt++) {
            long retryAfterMs = 0;
            try {
                HttpResponse<String> resp = http.send(request, HttpResponse.BodyHandlers.ofString(
                        StandardCharsets.UTF_8));
                int status = resp.statusCode();
                lastStatus = status;
                if (status >= 200 && status < 300) {
                    return parse(method, path, resp.body());
                }
                last = what + ": HTTP " + status + " " + errorText(resp.body());
                if (!(status == 429 || status == 502 || status == 503 || status == 504)) {
                    throw new RemoteException(status, last + hint(status));
                }
                retryAfterMs = Backoff.retryAfterMs(resp);
            } catch (RemoteException e) {
                throw e;
            } catch (IOException e) {
                lastStatus = -1;
                last = what + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? ""
                        : ": " + redactor.redact(e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during " + what, e);
            }
            if (attempt + 1 < attempts) {
                try {
                    Thread.sleep(backoffMs(attempt, retryAfterMs));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting to retry " + what, e);
                }
            }
        }
        throw new RemoteException(lastStatus, "the server stayed " + (lastStatus < 0 ? "unreachable" : "busy")
                + " through " + Plural.of(attempts, "attempt") + ": " + last + "; check that it runs at " + api
                + " (and is "
                + "not overloaded), then run the same command again");
    }

    /** Delay before retry {@code attempt + 1}: backoff x 2^attempt, at least Retry-After, at most the largest. */
    long backoffMs(int attempt, long retryAfterMs) {
        return Backoff.delayMs(attempt, options.retryBackoff().toMillis(), options.maxBackoff().toMillis(),
                retryAfterMs);
    }

    private JsonNode parse(String method, String path, String body) throws RemoteException {
        if (body == null || body.isBlank() || !(body.strip().startsWith("{"))) {
            return JSON.createObjectNode(); // vLLM answers the adapter endpoints with plain text
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new RemoteException(200, method + " " + api + "/" + path + ": the answer is not JSON: "
                    + excerpt(body));
        }
    }

    /** The server's error message and field ({"error": {...}} or vLLM's older flat shape), else an excerpt. */
    private String errorText(String body) {
        try {
            JsonNode root = JSON.readTree(body);
            JsonNode e = root != null && root.has("error") && root.get("error").isObject() ? root.get("error") : root;
            if (e != null && e.path("message").isTextual()) {
                String param = e.path("param").isTextual() ? " (field '" + e.get("param").asText() + "')" : "";
                return redactor.redact(e.get("message").asText()) + param;
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON: show the text
        }
        return excerpt(body);
    }

    private static String hint(int status) {
        return switch (status) {
            case 401, 403 -> "; check the API key (the variable named by api_key_env)";
            case 404 -> "; check base_url and the model or adapter name (GET /v1/models lists them)";
            default -> "";
        };
    }

    private RemoteException malformed(String method, String path, String what, JsonNode root) {
        return new RemoteException(200, method + " " + api + "/" + path + ": the answer is not what an "
                + "OpenAI-compatible server gives: " + what + ": " + excerpt(root.toString()));
    }

    private String excerpt(String text) {
        if (text == null || text.isEmpty()) {
            return "(empty body)";
        }
        String t = redactor.redact(text).replaceAll("\\s+", " ").strip();
        return t.length() <= EXCERPT ? t : t.substring(0, EXCERPT) + "...";
    }
}
