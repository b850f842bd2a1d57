package dev.semgrpo.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.semgrpo.model.io.StrictJackson;
import dev.semgrpo.serve.Endpoints.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of every request: route and method, bearer auth on {@code /v1/*}, the body size limit (413), strict
 * JSON (duplicate keys and trailing content rejected), and the answer: the endpoint's reply, or an {@link ApiError}
 * as {@code {"error":{...}}}. Anything unexpected becomes a 500 with one line, never a trace, and the server keeps
 * serving.
 */
final class Router implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    private static final ObjectMapper STRICT = StrictJackson.json();
    /** Bytes of an oversized body read and dropped before answering 413, so the client sees the answer. */
    private static final long MAX_DRAIN_FACTOR = 8;

    private record Route(String method, boolean json, Function<JsonNode, Reply> handler) {
    }

    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final byte[] apiKey; // null = no auth
    private final long maxRequestBytes;
    private final BooleanSupplier closing;
    private final Runnable answered;

    /**
     * @param apiKey required bearer token of /v1/* requests, or null
     * @param closing true once the server stops; requests are then answered 503
     * @param answered called after each /v1/* request has been answered
     */
    Router(Endpoints endpoints, String apiKey, long maxRequestBytes, BooleanSupplier closing, Runnable answered) {
        this.apiKey = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
        this.maxRequestBytes = maxRequestBytes;
        this.closing = closing;
        this.answered = answered;
        routes.put("/health", new Route("GET", false, body -> new Reply(200, null, new byte[0])));
        routes.put("/v1/models", new Route("GET", false, body -> endpoints.models()));
        routes.put(CompletionRequest.PATH, new Route("POST", true, endpoints::completions));
        routes.put(ChatRequest.PATH, new Route("POST", true, endpoints::chat));
        routes.put(Endpoints.LOAD_PATH, new Route("POST", true, endpoints::loadLora));
        routes.put(Endpoints.UNLOAD_PATH, new Route("POST", true, endpoints::unloadLora));
    }

    @Override
    public void handle(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        try {
            Reply reply;
            try {
                reply = route(ex, path);
            } catch (ApiError e) {
                reply = error(ex, e);
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                LOG.error("{} {} failed", ex.getRequestMethod(), path, e);
                reply = error(ex, ApiError.internal(e));
            }
            send(ex, reply);
        } catch (IOException e) {
            LOG.debug("could not answer {} {}: {}", ex.getRequestMethod(), path, e.toString());
        } finally {
            ex.close();
            if (path.startsWith("/v1/")) {
                answered.run();
            }
        }
    }

    private Reply route(HttpExchange ex, String path) throws IOException {
        if (closing.getAsBoolean()) {
            throw ApiError.unavailable("the server is shutting down");
        }
        Route route = routes.get(path);
        if (route == null) {
            throw ApiError.notFound(null, "no endpoint at " + cut(path) + "; this server offers " + routes.keySet());
        }
        if (!route.method().equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", route.method());
            throw ApiError.methodNotAllowed(path + " takes " + route.method() + ", found " + cut(ex.getRequestMethod()));
        }
        if (path.startsWith("/v1/")) {
            authenticate(ex.getRequestHeaders().getFirst("Authorization"));
        }
        return route.handler().apply(route.json() ? readJson(ex) : null);
    }

    private void authenticate(String header) {
        if (apiKey == null) {
            return;
        }
        if (header == null) {
            throw ApiError.unauthorized("missing API key: send the header 'Authorization: Bearer <key>'");
        }
        if (!header.startsWith("Bearer ")
                || !MessageDigest.isEqual(apiKey, header.substring(7).strip().getBytes(StandardCharsets.UTF_8))) {
            throw ApiError.unauthorized("invalid API key in the Authorization header (expected 'Bearer <key>' with"
                    + " the server's --api-key)");
        }
    }

    private JsonNode readJson(HttpExchange ex) throws IOException {
        InputStream in = ex.getRequestBody();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.strip());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest(null, "the Content-Length header is not a number: " + cut(declared));
            }
            if (length > maxRequestBytes) {
                drain(ex, in);
                throw tooLarge(length + " bytes");
            }
        }
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes + 1));
        if (body.length > maxRequestBytes) {
            drain(ex, in);
            throw tooLarge("more than " + maxRequestBytes + " bytes");
        }
        JsonNode node;
        try {
            node = STRICT.readTree(body);
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage();
            String param = null;
            if (m != null && m.startsWith("Duplicate field '")) {
                param = m.substring("Duplicate field '".length(), Math.max(m.indexOf('\'', 17), 17));
            }
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw ApiError.badRequest(param, "the body is not valid JSON" + where + ": "
                    + (m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m))
                    + " (duplicate keys and content after the JSON value are not allowed)");
        }
        if (node == null || node.isMissingNode()) {
            throw ApiError.badRequest(null, "the body is empty; send a JSON object");
        }
        return node;
    }

    /**
     * Reads and drops what is left of an oversized body, at most a few times the limit, so that the client, still
     * sending, reads the 413; the connection is then closed rather than reused.
     */
    private void drain(HttpExchange ex, InputStream in) throws IOException {
        ex.getResponseHeaders().set("Connection", "close");
        byte[] buf = new byte[8192];
        long left = MAX_DRAIN_FACTOR * maxRequestBytes;
        int n;
        while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) >= 0) {
            left -= n;
        }
    }

    private ApiError tooLarge(String size) {
        return ApiError.tooLarge("the request body has " + size + ", more than the server's --max-request-bytes="
                + maxRequestBytes + "; send fewer or shorter prompts per request");
    }

    private static Reply error(HttpExchange ex, ApiError e) {
        if (e.retryAfterSeconds() > 0) {
            ex.getResponseHeaders().set("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        ObjectNode root = Responses.JSON.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        if (e.param() == null) {
            err.putNull("param");
        } else {
            err.put("param", e.param());
        }
        err.put("code", e.status());
        Reply json = Reply.json(root);
        return new Reply(e.status(), json.contentType(), json.body());
    }

    private static void send(HttpExchange ex, Reply r) throws IOException {
        if (r.contentType() != null) {
            ex.getResponseHeaders().set("Content-Type", r.contentType());
        }
        ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
        if (r.body().length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(r.body());
            }
        }
    }

    private static String cut(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
