package dev.semgrpo.eval.judge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.SecretRedactor;
import dev.semgrpo.model.remote.ApiKeys;
import dev.semgrpo.model.remote.Backoff;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;

/**
 * One chat completion request to an OpenAI-compatible endpoint ({@code POST {base_url}/chat/completions}) and its
 * assistant message ({@code choices[0].message.content}). Transport errors, HTTP 429 and 5xx are retried with
 * exponential backoff ({@code retry_backoff_ms} doubling per retry, capped at {@code max_backoff_ms}, at least a
 * server's Retry-After); any other non-2xx status fails at once. A 2xx body that is not a chat completion is a
 * {@link ChatException.Kind#MALFORMED_REPLY}, for the caller to ask again. Thread-safe.
 *
 * <p>The API key is read once, at construction, through {@code env} and is sent only in the Authorization header;
 * everything this class returns or throws (replies, error messages, excerpts of bodies) has passed through
 * {@link #redactor()}, so a server that echoes the key in any common encoding does not get it into a result.
 */
public final class ChatClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXCERPT = 200;

    private final JudgeConfig config;
    private final URI endpoint;
    private final String apiKey; // null: no Authorization header
    private final SecretRedactor redactor;
    private final HttpClient http;

    /**
     * A client for {@code config}'s endpoint.
     *
     * @param env environment lookup ({@code System::getenv} in production); asked only for {@code api_key_env}
     * @throws IllegalArgumentException when {@code api_key_env} is set but that variable is unset or empty; the
     *     message names the variable
     */
    public ChatClient(JudgeConfig config, Function<String, String> env) {
        this.config = config;
        this.endpoint = config.endpoint();
        this.apiKey = ApiKeys.fromEnv(config.apiKeyEnv(), "judge 'api_key_env'", env);
        this.redactor = apiKey == null ? SecretRedactor.none() : SecretRedactor.of(apiKey);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(config.timeoutSeconds()))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Masks the API key in anything that is written or printed; {@link SecretRedactor#none()} without a key. */
    public SecretRedactor redactor() {
        return redactor;
    }

    /**
     * Sends one conversation (a system message unless {@code system} is empty, then the user message) and returns
     * the assistant's reply text.
     *
     * @throws ChatException a malformed reply, a status that is not retried, or the retries ran out
     * @throws InterruptedException when interrupted while waiting for the server or a backoff
     */
    public String complete(String system, String user) throws ChatException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(config.timeoutSeconds()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(requestBody(system, user), StandardCharsets.UTF_8));
        if (apiKey != null) {
            rb.header("Authorization", "Bearer " + apiKey);
        }
        HttpRequest request = rb.build();
        int attempts = config.maxRetries() + 1;
        String last = "";
        int lastStatus = -1;
        for (int attempt = 0; attempt < attempts; attempt++) {
            long retryAfterMs = 0;
            try {
                HttpResponse<String> resp = http.send(request,
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int status = resp.statusCode();
                lastStatus = status;
                if (status >= 200 && status < 300) {
                    return content(resp.body());
                }
                String what = "HTTP " + status + " from POST " + endpoint + ": " + excerpt(resp.body());
                if (status != 429 && status < 500) {
                    throw new ChatException(ChatException.Kind.HTTP_STATUS, status, what + hint(status));
                }
                last = what;
                retryAfterMs = Backoff.retryAfterMs(resp);
            } catch (IOException e) {
                lastStatus = -1;
                last = "transport error on POST " + endpoint + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() != null ? ": " + mask(e.getMessage())
                        : e instanceof ConnectException ? ": could not connect" : "");
            }
            if (attempt + 1 < attempts) {
                Thread.sleep(backoffMs(attempt, retryAfterMs));
            }
        }
        throw new ChatException(lastStatus < 0 ? ChatException.Kind.TRANSPORT : ChatException.Kind.HTTP_STATUS,
                lastStatus, "gave up after " + Plural.of(attempts, "attempt") + " (max_retries="
                + config.maxRetries() + "): " + last);
    }

    /**
     * The delay before retry {@code attempt + 1}: {@code retry_backoff_ms * 2^attempt}, at least {@code retryAfterMs},
     * at most {@code max_backoff_ms}.
     */
    long backoffMs(int attempt, long retryAfterMs) {
        return Backoff.delayMs(attempt, config.retryBackoffMs(), config.maxBackoffMs(), retryAfterMs);
    }

    private String requestBody(String system, String user) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", config.model());
        ArrayNode messages = body.putArray("messages");
        if (system != null && !system.isEmpty()) {
            messages.addObject().put("role", "system").put("content", system);
        }
        messages.addObject().put("role", "user").put("content", user);
        body.put("temperature", config.temperature());
        body.put("max_tokens", config.maxTokens());
        body.put("stream", false);
        return body.toString();
    }

    private String content(String body) throws ChatException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ChatException(ChatException.Kind.MALFORMED_REPLY, 200, "reply from " + endpoint + " is not "
                    + "JSON: " + excerpt(body));
        }
        JsonNode content = root == null ? null : root.path("choices").path(0).path("message").path("content");
        if (content == null || !content.isTextual()) {
            throw new ChatException(ChatException.Kind.MALFORMED_REPLY, 200, "reply from " + endpoint + " has no "
                    + "choices[0].message.content string: " + excerpt(body));
        }
        return mask(content.asText()); // a server that echoes the key must not get it into the results
    }


    private static String hint(int status) {
        return switch (status) {
            case 401, 403 -> "; check the key in the variable named by api_key_env";
            case 404 -> "; check base_url (the API root, e.g. http://host:8000/v1) and model";
            default -> "";
        };
    }

    /** The first characters of {@code text}, whitespace collapsed, with the API key masked. */
    String excerpt(String text) {
        if (text == null || text.isEmpty()) {
            return "(empty body)";
        }
        String t = mask(text).replaceAll("\\s+", " ").strip();
        return t.length() <= EXCERPT ? t : t.substring(0, EXCERPT) + "...";
    }

    /** {@code text} with the API key, in any encoding {@link SecretRedactor} knows, replaced by {@code ***}. */
    String mask(String text) {
        return redactor.redact(text);
    }
}
