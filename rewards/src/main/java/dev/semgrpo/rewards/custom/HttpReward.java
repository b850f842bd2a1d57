package dev.semgrpo.rewards.custom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.SecretRedactor;
import dev.semgrpo.model.remote.ApiKeys;
import dev.semgrpo.model.remote.Backoff;
import dev.semgrpo.rewards.RewardFunction;
import dev.semgrpo.rewards.RewardOutput;
import dev.semgrpo.rewards.RewardSample;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A reward computed by a remote scorer ({@code type: http}): each batch of up to {@code batch_size} completions is
 * POSTed as JSON, {@code {"prompts": [..], "completions": [..], "references": [[..], ..], "extra": {field: [..]}}}
 * (one entry per completion, in order; {@code extra} holds the data records' other fields), and the reply must be
 * {@code {"rewards": [numbers]}}, one finite number per completion, optionally with {@code "components": {name:
 * [numbers]}} logged as {@code <reward name>/<name>}. Transport errors, timeouts, 429 and 5xx are retried with
 * exponential backoff (at least a server's Retry-After); other statuses and malformed replies fail at once, naming
 * the URL, the field and the value. The API key (from {@code api_key_env}) goes only into the Authorization header
 * as a Bearer token, and every message passes through a {@link SecretRedactor}. The protocol is in
 * {@code docs/rewards.md}.
 */
public final class HttpReward implements RewardFunction {
    /**
     * Replies are read strictly (duplicate keys and trailing content rejected), except that they may write NaN and
     * Infinity (Python's json.dumps does), so that those are named rather than unparsable.
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final int EXCERPT = 200;
    private static final Set<String> REPLY_KEYS = Set.of("rewards", "components");

    /**
     * @param url the endpoint, http or https
     * @param timeout per request (also the connect timeout)
     * @param maxRetries retries after the first attempt, for transport errors, 429 and 5xx
     * @param batchSize completions per request
     * @param apiKeyEnv the environment variable holding the key, or null for none
     * @param firstBackoff the delay before the first retry; it doubles per retry
     * @param maxBackoff the longest delay between attempts
     */
    public record Options(URI url, Duration timeout, int maxRetries, int batchSize, String apiKeyEnv,
            Duration firstBackoff, Duration maxBackoff) {
        public Options {
            String s = url == null ? null : url.getScheme();
            if (url == null || !("http".equals(s) || "https".equals(s)) || url.getHost() == null) {
                throw new IllegalArgumentException("url must be an absolute http or https URL, e.g."
                        + " http://127.0.0.1:8000/score, found '" + url + "'");
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout_s must be > 0, found " + timeout);
            }
            if (maxRetries < 0 || maxRetries > 100) {
                throw new IllegalArgumentException("max_retries must be in [0, 100], found " + maxRetries);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch_size must be >= 1, found " + batchSize);
            }
        }

        /** The defaults: 60 s timeout, 3 retries, 64 completions per request, no key, backoff 0.5 s up to 30 s. */
        public static Options of(URI url) {
            return new Options(url, Duration.ofSeconds(60), 3, 64, null, Duration.ofMillis(500),
                    Duration.ofSeconds(30));
        }
    }

    private final String name;
    private final Options options;
    private final String apiKey; // null: no Authorization header
    private final SecretRedactor redactor;
    private final HttpClient http;

    /**
     * @param env environment lookup ({@code System::getenv} in production), asked only for {@code api_key_env}
     * @throws IllegalArgumentException when api_key_env names a variable that is unset, empty, or holds characters a
     *     header cannot carry; the message names the variable, never its value
     */
    public HttpReward(String name, Options options, Function<String, String> env) {
        this.name = name;
        this.options = options;
        this.apiKey = ApiKeys.fromEnv(options.apiKeyEnv(), "api_key_env of reward '" + name + "'", env);
        this.redactor = apiKey == null ? SecretRedactor.none() : SecretRedactor.of(apiKey);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(options.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String name() {
        return name;
    }

    /** The endpoint. */
    public URI url() {
        return options.url();
    }

    /**
     * Scores the batch in requests of up to {@code batch_size} completions.
     *
     * @throws IllegalStateException the server failed after the retries, answered with a status that is not retried,
     *     or sent a malformed reply; the message names the URL and what was wrong, with the key masked
     */
    @Override
    public RewardOutput score(List<RewardSample> batch) {
        float[] rewards = new float[batch.size()];
        Map<String, float[]> components = new LinkedHashMap<>();
        for (int from = 0; from < batch.size(); from += options.batchSize()) {
            List<RewardSample> part = batch.subList(from, Math.min(batch.size(), from + options.batchSize()));
            Reply r = parse(post(requestBody(part)), part.size(), from == 0 ? null : components.keySet());
            System.arraycopy(r.rewards(), 0, rewards, from, part.size());
            for (Map.Entry<String, float[]> c : r.components().entrySet()) {
                float[] all = components.computeIfAbsent(c.getKey(), k -> new float[batch.size()]);
                System.arraycopy(c.getValue(), 0, all, from, part.size());
            }
        }
        return new RewardOutput(rewards, components);
    }

    /** The request of one part of a batch. */
    static String requestBody(List<RewardSample> part) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode prompts = body.putArray("prompts");
        ArrayNode completions = body.putArray("completions");
        ArrayNode references = body.putArray("references");
        Set<String> fields = new LinkedHashSet<>();
        for (RewardSample s : part) {
            prompts.add(s.prompt());
            completions.add(s.completion());
            ArrayNode refs = references.addArray();
            s.references().forEach(refs::add);
            fields.addAll(s.metadata().keySet());
        }
        ObjectNode extra = body.putObject("extra");
        for (String f : fields) {
            ArrayNode values = extra.putArray(f);
            for (RewardSample s : part) {
                Object v = s.metadata().get(f);
                values.add(v == null ? JSON.nullNode() : v instanceof JsonNode j ? j : JSON.valueToTree(v));
            }
        }
        return body.toString();
    }

    /** POSTs {@code body}; the 2xx reply's body. */
    private String post(String body) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(options.url()).timeout(options.timeout())
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (apiKey != null) {
            rb.header("Authorization", "Bearer " + apiKey);
        }
        HttpRequest request = rb.build();
        int attempts = options.maxRetries() + 1;
        String last = "";
        for (int attempt = 0; attempt < attempts; attempt++) {
            long retryAfterMs = 0;
            try {
                HttpResponse<String> resp = http.send(request,
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int status = resp.statusCode();
                if (status >= 200 && status < 300) {
                    return resp.body();
                }
                String what = "HTTP " + status + ": " + excerpt(resp.body());
                if (status != 429 && status < 500) {
                    throw failure(what + hint(status));
                }
                last = what;
                retryAfterMs = Backoff.retryAfterMs(resp);
            } catch (IOException e) {
                last = "transport error: " + e.getClass().getSimpleName()
                        + (e.getMessage() != null ? ": " + redactor.redact(e.getMessage()) : "");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure("interrupted while waiting for the server");
            }
            if (attempt + 1 < attempts) {
                sleep(backoffMs(attempt, retryAfterMs));
            }
        }
        throw failure("gave up after " + attempts + " attempt(s) (max_retries=" + options.maxRetries() + "): " + last);
    }

    /** The delay before retry {@code attempt + 1}: first backoff x 2^attempt, at least Retry-After, at most the cap. */
    long backoffMs(int attempt, long retryAfterMs) {
        return Backoff.delayMs(attempt, options.firstBackoff().toMillis(), options.maxBackoff().toMillis(),
                retryAfterMs);
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("interrupted while waiting to retry");
        }
    }

    /** A reply's rewards and components, checked. */
    private record Reply(float[] rewards, Map<String, float[]> components) {
    }

    /**
     * Reads a 2xx reply of {@code n} completions; {@code names} are the components an earlier part of the batch had
     * (each part must have the same ones), or null for the first part.
     */
    private Reply parse(String body, int n, Set<String> names) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw failure("the reply is not JSON (" + e.getOriginalMessage() + "): " + excerpt(body));
        }
        if (root == null || !root.isObject()) {
            throw failure("the reply must be a JSON object {\"rewards\": [...]}, found " + excerpt(body));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!REPLY_KEYS.contains(k)) {
                throw failure("the reply has the unknown key '" + redactor.redact(k) + "'; it may hold only"
                        + " \"rewards\" and \"components\"");
            }
        }
        if (!root.has("rewards")) {
            throw failure("the reply has no \"rewards\" key: " + excerpt(body));
        }
        float[] rewards = numbers("rewards", root.get("rewards"), n);
        Map<String, float[]> components = new LinkedHashMap<>();
        JsonNode comps = root.get("components");
        if (comps != null) {
            if (!comps.isObject()) {
                throw failure("\"components\" must be an object of name: [numbers], found " + brief(comps));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = comps.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = redactor.redact(e.getKey());
                if (k.isBlank()) {
                    throw failure("\"components\" has an empty name");
                }
                components.put(name + "/" + k, numbers("components." + k, e.getValue(), n));
            }
        }
        if (names != null && !names.equals(components.keySet())) {
            throw failure("the reply's components " + components.keySet() + " differ from the first request's "
                    + names + " in the same batch; send the same components for every request");
        }
        return new Reply(rewards, components);
    }

    /** {@code n} finite numbers from a JSON array, or an error naming the field, the index and the value. */
    private float[] numbers(String field, JsonNode v, int n) {
        if (!v.isArray()) {
            throw failure("\"" + field + "\" must be a list of " + n + " numbers, found " + brief(v));
        }
        if (v.size() != n) {
            throw failure("\"" + field + "\" has " + v.size() + " values for " + n + " completions; send one number"
                    + " per completion, in the order of \"completions\"");
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            JsonNode x = v.get(i);
            if (!x.isNumber()) {
                throw failure("\"" + field + "\"[" + i + "] must be a number, found " + brief(x));
            }
            double d = x.doubleValue();
            if (!Double.isFinite(d) || !Float.isFinite((float) d)) {
                throw failure("\"" + field + "\"[" + i + "] is " + (Double.isNaN(d) ? "NaN" : x.asText())
                        + "; rewards must be finite numbers");
            }
            out[i] = (float) d;
        }
        return out;
    }

    private IllegalStateException failure(String what) {
        return new IllegalStateException("reward '" + name + "' (POST " + options.url() + "): "
                + redactor.redact(what));
    }


    private static String hint(int status) {
        return switch (status) {
            case 401, 403 -> "; check the key in the variable named by api_key_env";
            case 404, 405 -> "; check url (the scorer's full endpoint, which takes a POST)";
            default -> "";
        };
    }

    private String brief(JsonNode v) {
        String s = redactor.redact(v.toString());
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** The first characters of {@code text}, whitespace collapsed, with the key masked. */
    private String excerpt(String text) {
        if (text == null || text.isEmpty()) {
            return "(empty body)";
        }
        String t = redactor.redact(text).replaceAll("\\s+", " ").strip();
        return t.length() <= EXCERPT ? t : t.substring(0, EXCERPT) + "...";
    }
}
