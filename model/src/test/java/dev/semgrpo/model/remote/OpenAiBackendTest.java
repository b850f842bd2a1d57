package dev.semgrpo.model.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.FinishReason;
import dev.semgrpo.model.generate.SamplingParams;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's side of the wire: request bodies, parsing, retries and errors, against a scripted HTTP server on
 * loopback (the engine behind a real {@code semgrpo serve} is tested in the serve module).
 */
class OpenAiBackendTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODELS = "{\"object\":\"list\",\"data\":[{\"id\":\"base\",\"object\":\"model\","
            + "\"max_model_len\":64},{\"id\":\"step-1\",\"object\":\"model\",\"parent\":\"base\"}]}";

    private HttpServer server;
    private final Queue<String[]> script = new ConcurrentLinkedQueue<>(); // (status, body, retry-after or null)
    private final List<JsonNode> bodies = new ArrayList<>();
    private final List<String> auth = new ArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();

    private URI start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private synchronized void answer(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        byte[] in = ex.getRequestBody().readAllBytes();
        if (in.length > 0) {
            bodies.add(JSON.readTree(in));
        }
        auth.add(ex.getRequestHeaders().getFirst("Authorization"));
        String[] next = ex.getRequestURI().getPath().equals("/v1/models") ? new String[] {"200", MODELS, null}
                : script.poll();
        if (next == null) {
            next = new String[] {"500", "{\"error\":{\"message\":\"script ran out\"}}", null};
        }
        if (next[2] != null) {
            ex.getResponseHeaders().add("Retry-After", next[2]);
        }
        byte[] out = next[1].getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(Integer.parseInt(next[0]), out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static OpenAiBackend.Options fast(URI url, String model) {
        return OpenAiBackend.Options.of(url, model).withTimeout(Duration.ofSeconds(10))
                .withRetries(3, Duration.ofMillis(10), Duration.ofMillis(40));
    }

    private static String choice(int index, String text, String tokens, String logprobs, String reason) {
        return "{\"index\":" + index + ",\"text\":\"" + text + "\",\"finish_reason\":\"" + reason + "\",\"logprobs\":"
                + "{\"tokens\":" + tokens + ",\"token_logprobs\":" + logprobs + "}}";
    }

    @Test
    void sampledRequestCarriesEveryParameterAndParsesTokenIds() throws IOException {
        URI url = start();
        script.add(new String[] {"200", "{\"choices\":[" + choice(1, "b", "[\"token_id:7\",\"token_id:2\"]",
                "[-0.5,-0.25]", "stop") + "," + choice(0, "a", "[\"token_id:5\"]", "[-1.5]", "length") + "]}", null});
        try (OpenAiBackend b = OpenAiBackend.connect(fast(url, "base").withApiKey("sk-test-123"))) {
            assertEquals(64, b.maxPositions());
            SamplingParams p = SamplingParams.builder().setMaxNewTokens(4).optN(2).optTemperature(0.8).optTopK(5)
                    .optTopP(0.9).optStopStrings(List.of("\n")).optSeed(11).build();
            List<List<Completion>> out = b.generate(List.of(new int[] {1, 2, 3}), 40, p, null);
            Completion c0 = out.get(0).get(0);
            Completion c1 = out.get(0).get(1);
            assertArrayEquals(new int[] {5}, c0.tokenIds());
            assertEquals(FinishReason.LENGTH, c0.finishReason());
            assertArrayEquals(new int[] {7, 2}, c1.tokenIds());
            assertArrayEquals(new float[] {-0.5f, -0.25f}, c1.logprobs());
            assertEquals(40, c1.promptIndex());
            assertEquals(1, c1.sampleIndex());
            JsonNode req = bodies.get(0);
            assertEquals("[1,2,3]", req.get("prompt").toString());
            assertEquals(2, req.get("n").intValue());
            assertEquals(0.8, req.get("temperature").doubleValue());
            assertEquals(5, req.get("top_k").intValue());
            assertEquals(OpenAiBackend.promptSeed(11, 40), req.get("seed").longValue());
            assertTrue(req.get("return_tokens_as_token_ids").booleanValue());
            assertEquals("Bearer sk-test-123", auth.get(auth.size() - 1));
        }
        assertNotEquals(OpenAiBackend.promptSeed(11, 40), OpenAiBackend.promptSeed(11, 41));
        assertTrue(OpenAiBackend.promptSeed(-1, Long.MAX_VALUE) >= 0);
    }

    @Test
    void busyAndUnavailableAnswersAreRetriedThenSucceed() throws IOException {
        URI url = start();
        script.add(new String[] {"429", "{\"error\":{\"message\":\"queue full\"}}", "0"});
        script.add(new String[] {"503", "{\"error\":{\"message\":\"starting\"}}", null});
        script.add(new String[] {"200", "{\"choices\":[" + choice(0, "x", "[\"token_id:9\"]", "[-0.1]", "stop")
                + "]}", null});
        try (OpenAiBackend b = OpenAiBackend.connect(fast(url, "step-1"))) {
            List<List<Completion>> out = b.generate(List.of(new int[] {1}), 0, SamplingParams.greedy(3), null);
            assertArrayEquals(new int[] {9}, out.get(0).get(0).tokenIds());
            assertEquals(0.0, bodies.get(bodies.size() - 1).get("temperature").doubleValue());
            assertFalse(bodies.get(bodies.size() - 1).has("seed"), "greedy requests carry no seed");
            assertEquals(64, b.maxPositions(), "an adapter takes its parent's context length");
        }
    }

    @Test
    void aRefusedRequestFailsAtOnceWithTheServersFieldAndNoKey() throws IOException {
        URI url = start();
        script.add(new String[] {"400", "{\"error\":{\"message\":\"max_tokens must be <= 48, found 100 (key "
                + "sk-secret-999)\",\"type\":\"BadRequestError\",\"param\":\"max_tokens\",\"code\":400}}", null});
        try (OpenAiBackend b = OpenAiBackend.connect(fast(url, "base").withApiKey("sk-secret-999"))) {
            int before = requests.get();
            RemoteException e = assertThrows(RemoteException.class, () -> b.generate(List.of(new int[] {1}), 0,
                    SamplingParams.greedy(100), null));
            assertEquals(1, requests.get() - before, "a 400 is not retried");
            assertEquals(400, e.status());
            assertFalse(e.unavailable());
            assertTrue(e.getMessage().contains("field 'max_tokens'"), e.getMessage());
            assertTrue(e.getMessage().contains(url.getHost()), e.getMessage());
            assertFalse(e.getMessage().contains("sk-secret-999"), e.getMessage());
        }
    }

    @Test
    void malformedAnswersAreNamed() throws IOException {
        URI url = start();
        script.add(new String[] {"200", "{\"choices\":[" + choice(0, "x", "[\"hello\"]", "[-0.1]", "stop") + "]}",
                null});
        script.add(new String[] {"200", "{\"choices\":[" + choice(0, "x", "[\"token_id:1\"]", "[-0.1]", "abort")
                + "]}", null});
        script.add(new String[] {"200", "{\"choices\":[]}", null});
        try (OpenAiBackend b = OpenAiBackend.connect(fast(url, "base"))) {
            SamplingParams g = SamplingParams.greedy(2);
            assertTrue(assertThrows(RemoteException.class, () -> b.generate(List.of(new int[] {1}), 0, g, null))
                    .getMessage().contains("return_tokens_as_token_ids"));
            assertTrue(assertThrows(RemoteException.class, () -> b.generate(List.of(new int[] {1}), 0, g, null))
                    .getMessage().contains("finish_reason 'abort'"));
            assertTrue(assertThrows(RemoteException.class, () -> b.generate(List.of(new int[] {1}), 0, g, null))
                    .getMessage().contains("expected 1 choices"));
        }
    }

    @Test
    void echoedContinuationsAreSummedAfterThePrompt() throws IOException {
        URI url = start();
        script.add(new String[] {"200", "{\"choices\":[" + choice(0, "x", "[\"token_id:1\",\"token_id:2\","
                + "\"token_id:3\",\"token_id:4\"]", "[null,-1.0,-0.5,-9.0]", "length") + "]}", null});
        script.add(new String[] {"200", "{\"choices\":[" + choice(0, "x", "[\"token_id:1\",\"token_id:5\","
                + "\"token_id:3\"]", "[null,-1.0,-0.5]", "length") + "]}", null});
        try (OpenAiBackend b = OpenAiBackend.connect(fast(url, "base").withMaxConcurrency(1))) {
            double[] s = b.continuationLogprobs(List.of(new int[] {1}), List.of(new int[] {2, 3}));
            assertEquals(-1.5, s[0], 1e-9);
            JsonNode req = bodies.get(bodies.size() - 1);
            assertTrue(req.get("echo").booleanValue());
            assertEquals("[1,2,3]", req.get("prompt").toString());
            assertTrue(assertThrows(RemoteException.class, () -> b.continuationLogprobs(List.of(new int[] {1}),
                    List.of(new int[] {2, 3}))).getMessage().contains("echoed prompt"));
        }
    }

    @Test
    void aServerThatStaysDownEndsWithItsUrl() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        URI url = URI.create("http://127.0.0.1:" + port + "/v1");
        RemoteException e = assertThrows(RemoteException.class, () -> OpenAiBackend.connect(fast(url, "base")));
        assertTrue(e.unavailable());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port + "/v1"), e.getMessage());
        assertTrue(e.getMessage().contains("4 attempts"), e.getMessage());
    }

    @Test
    void anUnknownModelIsNamedWithWhatIsServed() throws IOException {
        URI url = start();
        RemoteException e = assertThrows(RemoteException.class, () -> OpenAiBackend.connect(fast(url, "nope")));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("[base, step-1]"), e.getMessage());
    }

    @Test
    void backoffDoublesFromTheFirstDelayUpToTheCapAndHonoursRetryAfter() throws IOException {
        URI url = start();
        OpenAiBackend.Options o = OpenAiBackend.Options.of(url, "base");
        try (OpenAiBackend b = OpenAiBackend.connect(o)) {
            assertEquals(500, b.backoffMs(0, 0));
            assertEquals(1000, b.backoffMs(1, 0));
            assertEquals(30_000, b.backoffMs(20, 0));
            assertEquals(7000, b.backoffMs(0, 7000));
        }
        assertThrows(IllegalArgumentException.class, () -> OpenAiBackend.Options.of(URI.create("ftp://x"), "m"));
        assertThrows(IllegalArgumentException.class, () -> o.withApiKey("has space"));
        assertEquals("http://h:1/v1", o.withModel("m").apiRoot().toString().replace(url.getAuthority(), "h:1"));
    }
}
