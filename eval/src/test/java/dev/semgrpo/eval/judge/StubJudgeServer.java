package dev.semgrpo.eval.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAI-compatible chat completions stub on 127.0.0.1 (ephemeral port). A handler turns each request into a
 * reply; every request is recorded with its Authorization header and the question and answers it showed.
 */
final class StubJudgeServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SLOT = Pattern.compile("\\[User Question\\]\\n(.*?)\\n\\n.*"
            + "\\[The Start of Assistant A's Answer\\]\\n(.*?)\\n\\[The End of Assistant A's Answer\\].*"
            + "\\[The Start of Assistant B's Answer\\]\\n(.*?)\\n\\[The End of Assistant B's Answer\\]", Pattern.DOTALL);

    /** One request as the server saw it; {@code question}, {@code slotA}, {@code slotB} from the default template. */
    record Request(String path, String authorization, JsonNode body, String question, String slotA, String slotB) {
    }

    /** A reply: status, body and extra headers. */
    record Reply(int status, String body, Map<String, String> headers) {
        static Reply verdict(String text) {
            ObjectNode root = JSON.createObjectNode();
            root.put("id", "chatcmpl-stub").put("object", "chat.completion");
            root.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                    .putObject("message").put("role", "assistant").put("content", text);
            return new Reply(200, root.toString(), Map.of());
        }

        static Reply status(int status, String body) {
            return new Reply(status, body, Map.of());
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new ArrayList<>();

    StubJudgeServer(Function<Request, Reply> handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            try (exchange) {
                String raw = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                JsonNode body = JSON.readTree(raw);
                String user = "";
                for (JsonNode m : body.path("messages")) {
                    if ("user".equals(m.path("role").asText())) {
                        user = m.path("content").asText();
                    }
                }
                Matcher mt = SLOT.matcher(user);
                Request req = mt.find()
                        ? new Request(exchange.getRequestURI().getPath(),
                                exchange.getRequestHeaders().getFirst("Authorization"), body, mt.group(1),
                                mt.group(2), mt.group(3))
                        : new Request(exchange.getRequestURI().getPath(),
                                exchange.getRequestHeaders().getFirst("Authorization"), body, null, null, null);
                synchronized (requests) {
                    requests.add(req);
                }
                Reply reply = handler.apply(req);
                byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
                reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
                if (out.length > 0) {
                    try (OutputStream os = exchange.getResponseBody()) {
                        os.write(out);
                    }
                }
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
    }

    /** {@code http://127.0.0.1:<port>/v1}. */
    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Every request so far. */
    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Requests that showed {@code question}. */
    List<Request> requestsFor(String question) {
        return requests().stream().filter(r -> question.equals(r.question())).toList();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
