package dev.semgrpo.eval.judge;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.YamlConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The judge: an OpenAI-compatible chat completions endpoint, its prompts and its retry budgets. Keys are snake_case;
 * unknown keys are errors; every field but {@code base_url} and {@code model} has a default. The API key itself is
 * never part of the config: {@code api_key_env} names the environment variable that holds it.
 *
 * @param baseUrl the API root, e.g. {@code http://127.0.0.1:8000/v1}; requests go to {@code {base_url}/chat/completions}
 * @param model the judge model's name as the server knows it
 * @param apiKeyEnv NAME of the environment variable holding the API key, sent as {@code Authorization: Bearer <key>};
 *     null (default) sends no key, for local servers
 * @param temperature sampling temperature of the judge, in [0, 2] (default 0)
 * @param maxTokens most tokens of one judgement (default 1024)
 * @param timeoutSeconds connect and request timeout of one HTTP request (default 120)
 * @param maxRetries retries of a request after a transport error, HTTP 429 or 5xx (default 5); other non-2xx
 *     statuses fail the request at once
 * @param retryBackoffMs the first retry's delay; each further retry doubles it (default 1000)
 * @param maxBackoffMs cap of one retry delay, also of a server's Retry-After (default 30000)
 * @param maxInvalidRetries times a reply without a verdict (or a body that is not a chat completion) is asked again
 *     (default 2)
 * @param concurrency requests in flight at once (default 4)
 * @param systemPrompt the judge's system message; empty sends none (default {@link #DEFAULT_SYSTEM_PROMPT})
 * @param userPrompt the judge's user message with placeholders {@code {question}}, {@code {reference}},
 *     {@code {answer_a}} and {@code {answer_b}} (default {@link #DEFAULT_USER_PROMPT})
 * @param verdictPattern regular expression whose group 1 captures the verdict label A, B or C (tie); the last match
 *     in the reply counts (default {@link #DEFAULT_VERDICT_PATTERN})
 */
public record JudgeConfig(
        @JsonProperty("base_url") String baseUrl,
        @JsonProperty("model") String model,
        @JsonProperty("api_key_env") String apiKeyEnv,
        @JsonProperty("temperature") Double temperature,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("timeout_seconds") Integer timeoutSeconds,
        @JsonProperty("max_retries") Integer maxRetries,
        @JsonProperty("retry_backoff_ms") Long retryBackoffMs,
        @JsonProperty("max_backoff_ms") Long maxBackoffMs,
        @JsonProperty("max_invalid_retries") Integer maxInvalidRetries,
        @JsonProperty("concurrency") Integer concurrency,
        @JsonProperty("system_prompt") String systemPrompt,
        @JsonProperty("user_prompt") String userPrompt,
        @JsonProperty("verdict_pattern") String verdictPattern) {

    /** MT-Bench-style pairwise instructions with a reference answer; the verdict ends the reply as [[A]], [[B]] or [[C]]. */
    public static final String DEFAULT_SYSTEM_PROMPT = "You are an impartial judge. Compare the quality of the "
            + "answers that two AI assistants gave to the user question shown below. Judge correctness first, then "
            + "helpfulness, fluency, and whether the answer is written in the language the question asks for. You "
            + "are given a reference answer, assistant A's answer and assistant B's answer. Begin by comparing both "
            + "answers with the reference answer and point out their mistakes, then explain your choice briefly. "
            + "The order in which the answers are shown, their length and the assistants' names must not influence "
            + "your decision. Be as objective as possible. After your explanation, output your final verdict in "
            + "exactly this format: \"[[A]]\" if assistant A is better, \"[[B]]\" if assistant B is better, and "
            + "\"[[C]]\" for a tie.";

    /** The question, the reference(s) and the two answers, in MT-Bench's bracketed layout. */
    public static final String DEFAULT_USER_PROMPT = """
            [User Question]
            {question}

            [The Start of Reference Answer]
            {reference}
            [The End of Reference Answer]

            [The Start of Assistant A's Answer]
            {answer_a}
            [The End of Assistant A's Answer]

            [The Start of Assistant B's Answer]
            {answer_b}
            [The End of Assistant B's Answer]""";

    /** {@code [[A]]}, {@code [[B]]} or {@code [[C]]}. */
    public static final String DEFAULT_VERDICT_PATTERN = "\\[\\[\\s*([ABC])\\s*\\]\\]";

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Applies defaults and checks every field; errors name the key, the constraint, the value and the fix. */
    public JudgeConfig {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("judge 'base_url' is required, e.g. http://127.0.0.1:8000/v1 (the "
                    + "API root; requests go to {base_url}/chat/completions)");
        }
        baseUrl = baseUrl.strip();
        rejectCredentials(baseUrl);
        while (baseUrl.endsWith("/")) {
            baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
        }
        if (baseUrl.endsWith("/chat/completions")) {
            throw new IllegalArgumentException("judge 'base_url' must be the API root, found '" + baseUrl + "'; drop "
                    + "the trailing /chat/completions (it is added to every request)");
        }
        try {
            URI uri = new URI(baseUrl);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new URISyntaxException(baseUrl, "not an http(s) URL with a host");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("judge 'base_url' must be an http:// or https:// URL, found '" + baseUrl
                    + "' (" + e.getReason() + "); e.g. http://127.0.0.1:8000/v1");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("judge 'model' is required: the judge model's name as the server at "
                    + baseUrl + " knows it (see GET " + baseUrl + "/models)");
        }
        if (apiKeyEnv != null && !ENV_NAME.matcher(apiKeyEnv).matches()) {
            // The value is not echoed: a key pasted here by mistake must not reach a log.
            throw new IllegalArgumentException("judge 'api_key_env' must be the NAME of an environment variable "
                    + "(letters, digits and _, e.g. OPENAI_API_KEY), not the key itself; found a value of "
                    + apiKeyEnv.length() + " characters that is not a variable name. Put the key in an environment "
                    + "variable and name it here, or leave api_key_env out for a server without authentication");
        }
        temperature = temperature == null ? 0.0 : temperature;
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("judge 'temperature' must be in [0, 2], found " + temperature
                    + " (0 makes verdicts repeatable)");
        }
        maxTokens = positive("max_tokens", maxTokens, 1024);
        timeoutSeconds = positive("timeout_seconds", timeoutSeconds, 120);
        maxRetries = atLeastZero("max_retries", maxRetries, 5);
        retryBackoffMs = retryBackoffMs == null ? 1000L : retryBackoffMs;
        maxBackoffMs = maxBackoffMs == null ? Math.max(30_000L, retryBackoffMs) : maxBackoffMs;
        if (retryBackoffMs < 0) {
            throw new IllegalArgumentException("judge 'retry_backoff_ms' must be >= 0, found " + retryBackoffMs);
        }
        if (maxBackoffMs < retryBackoffMs) {
            throw new IllegalArgumentException("judge 'max_backoff_ms' must be >= retry_backoff_ms (" + retryBackoffMs
                    + "), found " + maxBackoffMs);
        }
        maxInvalidRetries = atLeastZero("max_invalid_retries", maxInvalidRetries, 2);
        concurrency = positive("concurrency", concurrency, 4);
        if (concurrency > 256) {
            throw new IllegalArgumentException("judge 'concurrency' must be <= 256, found " + concurrency);
        }
        systemPrompt = systemPrompt == null ? DEFAULT_SYSTEM_PROMPT : systemPrompt;
        userPrompt = userPrompt == null ? DEFAULT_USER_PROMPT : userPrompt;
        for (String p : new String[] {"{answer_a}", "{answer_b}"}) {
            if (!userPrompt.contains(p)) {
                throw new IllegalArgumentException("judge 'user_prompt' must contain the placeholder " + p + " (its "
                        + "placeholders are {question}, {reference}, {answer_a}, {answer_b}); found a template "
                        + "without it");
            }
        }
        verdictPattern = verdictPattern == null ? DEFAULT_VERDICT_PATTERN : verdictPattern;
        Pattern compiled;
        try {
            compiled = Pattern.compile(verdictPattern);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("judge 'verdict_pattern' is not a regular expression: '" + verdictPattern
                    + "' (" + e.getDescription() + "); e.g. " + DEFAULT_VERDICT_PATTERN);
        }
        if (compiled.matcher("").groupCount() < 1) {
            throw new IllegalArgumentException("judge 'verdict_pattern' needs a capturing group for the label A, B or "
                    + "C, found '" + verdictPattern + "'; e.g. " + DEFAULT_VERDICT_PATTERN);
        }
    }

    /** A config with every default, for a server at {@code baseUrl} serving {@code model}. */
    public static JudgeConfig of(String baseUrl, String model, String apiKeyEnv) {
        return new JudgeConfig(baseUrl, model, apiKeyEnv, null, null, null, null, null, null, null, null, null, null,
                null);
    }

    /** The verdict pattern, compiled. */
    public Pattern verdictRegex() {
        return Pattern.compile(verdictPattern);
    }

    /** {@code {base_url}/chat/completions}. */
    public URI endpoint() {
        return URI.create(baseUrl + "/chat/completions");
    }

    /** A judge config, for {@link YamlConfig}. */
    public static final YamlConfig.Kind KIND = new YamlConfig.Kind("judge config", "a mapping with base_url, model, ...");

    /** Reads a YAML (or JSON) file ({@link YamlConfig}); errors name the file, the line and the key. */
    public static JudgeConfig load(Path file) throws IOException {
        return YamlConfig.load(file, JudgeConfig.class, KIND);
    }

    /** Parses YAML (or JSON) text; errors name the line and the key. */
    public static JudgeConfig parse(String yaml) throws IOException {
        YamlConfig.Source s = YamlConfig.Source.text(KIND.noun(), yaml);
        try {
            return YamlConfig.bind(YamlConfig.read(s, KIND), JudgeConfig.class, s, "", KIND);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Binds a node, e.g. the {@code judge:} section of a task config; {@code where} names it in errors. */
    public static JudgeConfig from(JsonNode node, String where) throws IOException {
        try {
            return YamlConfig.bind(node, JudgeConfig.class, new YamlConfig.Source(where, null, List.of()), "", KIND);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** This config as a JSON tree (snake_case keys, defaults filled in; holds no key). */
    public JsonNode toJson() {
        return YamlConfig.YAML.valueToTree(this);
    }

    /**
     * A base URL must not carry a secret: no user info ({@code user:key@host}), query or fragment. The value is not
     * echoed, since it may hold a key.
     */
    private static void rejectCredentials(String baseUrl) {
        URI uri;
        try {
            uri = new URI(baseUrl);
        } catch (URISyntaxException e) {
            return; // reported below, with the value, once it is known to hold no user info
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("judge 'base_url' must be a plain API root such as "
                    + "http://127.0.0.1:8000/v1, without user:password@, ?query or #fragment; found a URL with "
                    + (uri.getRawUserInfo() != null ? "user info"
                            : uri.getRawQuery() != null ? "a query" : "a fragment")
                    + " (not shown: it may hold a secret). Put the API key in an environment variable and name it "
                    + "in api_key_env");
        }
    }

    private static int positive(String key, Integer value, int dflt) {
        int v = value == null ? dflt : value;
        if (v < 1) {
            throw new IllegalArgumentException("judge '" + key + "' must be >= 1, found " + v);
        }
        return v;
    }

    private static int atLeastZero(String key, Integer value, int dflt) {
        int v = value == null ? dflt : value;
        if (v < 0) {
            throw new IllegalArgumentException("judge '" + key + "' must be >= 0, found " + v);
        }
        return v;
    }
}
