package dev.semgrpo.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.LocalBackend;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The part of an OpenAI-compatible server that evaluation uses ({@code GET /v1/models}; {@code POST /v1/completions}
 * with token-id prompts, greedy decoding with stop strings, or {@code echo} scoring), over this JVM's engine, on
 * loopback: one request at a time, one prompt per forward. Requests with {@code Authorization} are refused, so a
 * client that sends a key it was not given shows.
 */
final class EngineServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer http;
    private final CausalLM model;
    private final LocalBackend engine;
    private final String name;
    final AtomicInteger completions = new AtomicInteger();

    EngineServer(CausalLM model, TextTokenizer tokenizer, String name) throws IOException {
        this.model = model;
        this.engine = new LocalBackend(model, tokenizer, 1);
        this.name = name;
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/v1/models", ex -> answer(ex, 200, models()));
        http.createContext("/v1/completions", this::complete);
        http.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/v1");
    }

    private ObjectNode models() {
        ObjectNode root = JSON.createObjectNode().put("object", "list");
        root.putArray("data").addObject().put("id", name).put("object", "model").put("max_model_len",
                model.maxPositions());
        return root;
    }

    private void complete(HttpExchange ex) throws IOException {
        try {
            if (ex.getRequestHeaders().containsKey("Authorization")) {
                answer(ex, 401, error("this server takes no key"));
                return;
            }
            JsonNode req = JSON.readTree(ex.getRequestBody());
            int[] prompt = new int[req.get("prompt").size()];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = req.get("prompt").get(i).intValue();
            }
            if (!req.path("model").asText().equals(name) || req.path("temperature").asDouble(1) != 0) {
                answer(ex, 400, error("model must be " + name + " and temperature 0 (this server decodes greedily)"));
                return;
            }
            completions.incrementAndGet();
            ObjectNode choice = req.path("echo").asBoolean() ? echo(prompt) : generate(prompt, req);
            ObjectNode root = JSON.createObjectNode();
            root.putArray("choices").add(choice.put("index", 0));
            answer(ex, 200, root);
        } catch (RuntimeException e) {
            answer(ex, 500, error(String.valueOf(e)));
        }
    }

    private ObjectNode generate(int[] prompt, JsonNode req) {
        List<String> stop = new ArrayList<>();
        req.path("stop").forEach(s -> stop.add(s.asText()));
        SamplingParams p = SamplingParams.greedy(req.get("max_tokens").intValue()).withStopStrings(stop);
        Completion c = engine.generate(List.of(prompt), 0, p, null).get(0).get(0);
        ObjectNode choice = JSON.createObjectNode().put("text", c.text())
                .put("finish_reason", c.finishReason().toString().toLowerCase(java.util.Locale.ROOT));
        logprobs(choice, c.tokenIds(), c.logprobs(), false);
        return choice;
    }

    /** The prompt echoed with each token's log-prob given the tokens before it (none for the first). */
    private ObjectNode echo(int[] all) {
        float[] lp;
        try (NDManager m = model.manager().newSubManager()) {
            lp = LogProbScorer.score(model, m, List.of(Arrays.copyOf(all, 1)), List.of(Arrays.copyOfRange(all, 1,
                    all.length)), 1.0, false).logprobs().toFloatArray();
        }
        float[] withFirst = new float[all.length];
        System.arraycopy(lp, 0, withFirst, 1, lp.length);
        ObjectNode choice = JSON.createObjectNode().put("text", "").put("finish_reason", "length");
        logprobs(choice, all, withFirst, true);
        return choice;
    }

    private static void logprobs(ObjectNode choice, int[] ids, float[] lps, boolean firstNull) {
        ObjectNode lp = choice.putObject("logprobs");
        ArrayNode tokens = lp.putArray("tokens");
        ArrayNode values = lp.putArray("token_logprobs");
        for (int i = 0; i < ids.length; i++) {
            tokens.add("token_id:" + ids[i]);
            if (i == 0 && firstNull) {
                values.addNull();
            } else {
                values.add(lps[i]);
            }
        }
    }

    private static ObjectNode error(String message) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error").put("message", message);
        return root;
    }

    private static void answer(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
