package dev.semgrpo.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.config.Architecture;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed and hostile requests, each answered with its status, the JSON error shape and the field named; the
 * server keeps serving after all of them.
 */
class HostileRequestsTest {
    private static final String KEY = "test-key-123";
    private static final String OK = "{\"model\":\"tiny\",\"prompt\":\"Hi\",\"max_tokens\":3,\"temperature\":0}";

    @TempDir
    static Path dir;

    private static Server server;
    private static Http http;
    private static Path outside;

    @BeforeAll
    static void start() throws Exception {
        Path model = Fixtures.model(dir, Architecture.QWEN3, "tiny", 3);
        Path root = Files.createDirectories(dir.resolve("loras"));
        Fixtures.adapter(model, root.resolve("good"), 4, 1);
        Fixtures.adapter(model, root.resolve("wide"), 8, 2);
        outside = Fixtures.adapter(model, dir.resolve("outside/evil"), 4, 3);
        Files.createSymbolicLink(root.resolve("link"), outside);
        Files.writeString(Files.createDirectories(root.resolve("plain")).resolve("notes.txt"), "not an adapter");
        server = Server.start(Fixtures.options(model).optApiKey(KEY).optLoraRoot(root).optMaxRequestBytes(16 * 1024)
                .optMaxN(8).optMaxTokensPerRequest(3000).optMaxQueue(1).optMaxLoraRank(4).build());
        http = new Http(server.baseUrl(), KEY);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Status, {"error":{"message","type","param","code"}}, the field named, and each fragment in the message. */
    private static void assertError(Http.Answer a, int status, String type, String param, String... fragments) {
        assertEquals(status, a.status(), a.body());
        JsonNode e = a.json().get("error");
        assertEquals(4, e.size(), "message, type, param, code: " + a.body());
        assertEquals(type, e.get("type").textValue(), a.body());
        assertEquals(status, e.get("code").intValue());
        if (param == null) {
            assertTrue(e.get("param").isNull(), a.body());
        } else {
            assertEquals(param, e.get("param").textValue(), a.body());
        }
        String m = e.get("message").textValue();
        assertFalse(m.contains("\tat ") || m.contains("Exception"), "no stack trace or exception name: " + m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "'" + f + "' in: " + m);
        }
    }

    private static Http.Answer complete(String body) {
        return http.post("/v1/completions", body);
    }

    @Test
    void malformedBodiesAreRejectedByField() {
        assertError(complete("{\"model\":\"tiny\",\"prompt\":"), 400, "BadRequestError", null, "not valid JSON");
        assertError(complete(OK + " {}"), 400, "BadRequestError", null, "not valid JSON");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"n\":1,\"n\":2}"), 400, "BadRequestError", "n",
                "Duplicate field 'n'");
        assertError(complete("[1, 2]"), 400, "BadRequestError", null, "must be a JSON object", "a list of 2");
        assertError(complete(""), 400, "BadRequestError", null, "empty");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"max_tokens\":\"16\"}"), 400, "BadRequestError",
                "max_tokens", "must be an integer", "\"16\"");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"n\":1.5}"), 400, "BadRequestError", "n",
                "integer", "1.5");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"echo\":\"true\"}"), 400, "BadRequestError",
                "echo", "true or false");
        assertError(complete("{\"model\":7,\"prompt\":\"a\"}"), 400, "BadRequestError", "model", "string");
        assertError(complete("{\"prompt\":\"a\"}"), 400, "BadRequestError", "model", "required");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":[\"a\", 3]}"), 400, "BadRequestError", "prompt",
                "prompt[1]", "not a mix");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"\"}"), 400, "BadRequestError", "prompt", "empty");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":[[]]}"), 400, "BadRequestError", "prompt", "empty");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":[5, 999999]}"), 400, "BadRequestError", "prompt",
                "999999", "vocabulary");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"foo\":1}"), 400, "BadRequestError", "foo",
                "unknown field 'foo'");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"stream\":true}"), 400, "BadRequestError",
                "stream", "stream=true is not supported");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"frequency_penalty\":0.5}"), 400,
                "BadRequestError", "frequency_penalty", "not supported", "0.5");
        assertEquals(200, complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"max_tokens\":2,\"frequency_penalty\":0,"
                + "\"user\":\"someone\",\"logit_bias\":null,\"n\":2,\"best_of\":2}").status(),
                "unimplemented fields at their defaults pass");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"n\":2,\"best_of\":3}"), 400,
                "BadRequestError", "best_of", "best_of=3", "not supported");
    }

    @Test
    void outOfRangeValuesNameTheFieldAndTheNumbers() {
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"n\":1000000}"), 400, "BadRequestError", "n",
                "n=1000000", "--max-n=8");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"max_tokens\":100000000}"), 400,
                "BadRequestError", "max_tokens", "100000000", "512");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"max_tokens\":99999999999}"), 400,
                "BadRequestError", "max_tokens", "99999999999");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"n\":8,\"max_tokens\":400}"), 400,
                "BadRequestError", "max_tokens", "1 x 8 x 400 = 3200", "--max-tokens-per-request=3000");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"temperature\":-0.5}"), 400, "BadRequestError",
                "temperature", ">= 0", "-0.5");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"top_p\":0}"), 400, "BadRequestError", "top_p",
                "(0, 1]");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"top_k\":-2}"), 400, "BadRequestError", "top_k",
                "-2");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"temperature\":1e400}"), 400, "BadRequestError",
                "temperature");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"logprobs\":21}"), 400, "BadRequestError",
                "logprobs", "[0, 20]", "21");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"max_tokens\":0}"), 400, "BadRequestError",
                "max_tokens", "echo");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"stop\":[\"\"]}"), 400, "BadRequestError",
                "stop", "empty");
        assertError(complete("{\"model\":\"nope\",\"prompt\":\"a\"}"), 404, "NotFoundError", "model", "'nope'",
                "does not exist");
        assertError(http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"tool\","
                + "\"content\":\"x\"}]}"), 400, "BadRequestError", "messages", "messages[0].role", "\"tool\"");
        assertError(http.post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"x\"}],\"top_logprobs\":2}"), 400, "BadRequestError", "top_logprobs", "logprobs=true");
    }

    @Test
    void adaptersOutsideTheRootOrUnfitAreRefused() {
        assertError(http.post("/v1/load_lora_adapter", Map.of("lora_name", "x", "lora_path", "../outside/evil")), 400,
                "BadRequestError", "lora_path", "outside the server's --lora-root");
        assertError(http.post("/v1/load_lora_adapter", Map.of("lora_name", "x", "lora_path",
                dir.resolve("loras/../outside/evil").toString())), 400, "BadRequestError", "lora_path", "outside");
        assertError(http.post("/v1/load_lora_adapter", Map.of("lora_name", "x", "lora_path", "link")), 400,
                "BadRequestError", "lora_path", "symbolic links");
        assertError(http.post("/v1/load_lora_adapter", Map.of("lora_name", "x", "lora_path", "wide")), 400,
                "BadRequestError", "lora_path", "r=8", "--max-lora-rank=4");
        assertError(http.post("/v1/load_lora_adapter", Map.of("lora_name", "x", "lora_path", "plain")), 400,
                "BadRequestError", "lora_path", "adapter_config.json");
        assertError(http.post("/v1/load_lora_adapter", Map.of("lora_name", "x", "lora_path", "missing")), 400,
                "BadRequestError", "lora_path", "does not exist");
        assertError(http.post("/v1/load_lora_adapter", Map.of("lora_name", "tiny", "lora_path", "good")), 400,
                "BadRequestError", "lora_name", "base model");
        assertError(http.post("/v1/unload_lora_adapter", Map.of("lora_name", "never-loaded")), 404, "NotFoundError",
                "lora_name", "'never-loaded'");
        assertEquals(200, http.post("/v1/load_lora_adapter", Map.of("lora_name", "good", "lora_path", "good"))
                .status());
        assertError(http.post("/v1/load_lora_adapter", Map.of("lora_name", "good", "lora_path", "good")), 400,
                "BadRequestError", "lora_name", "already loaded");
        assertEquals(200, http.post("/v1/unload_lora_adapter", Map.of("lora_name", "good")).status());
        assertEquals(1, http.get("/v1/models").json().get("data").size(), "no refused adapter was kept");
    }

    @Test
    void authSizeRoutesAndAFullQueue() throws Exception {
        Http anonymous = new Http(server.baseUrl(), null);
        assertError(anonymous.post("/v1/completions", OK), 401, "AuthenticationError", null, "missing API key");
        assertError(new Http(server.baseUrl(), "wrong").post("/v1/completions", OK), 401, "AuthenticationError", null,
                "invalid API key");
        assertError(anonymous.get("/v1/models"), 401, "AuthenticationError", null);
        assertFalse(anonymous.post("/v1/completions", OK).body().contains(KEY), "the key is never echoed");
        assertEquals(200, anonymous.get("/health").status(), "/health needs no key");
        assertEquals(0, anonymous.get("/health").body().length());

        String huge = "{\"model\":\"tiny\",\"prompt\":\"" + "a".repeat(40_000) + "\"}";
        assertError(complete(huge), 413, "RequestTooLarge", null, "--max-request-bytes=16384");
        assertError(http.get("/v1/completions"), 405, "MethodNotAllowedError", null, "POST");
        assertError(http.get("/v2/everything"), 404, "NotFoundError", null, "no endpoint");

        // one long request on the engine, one waiting (--max-queue 1): the next is turned away with Retry-After
        String longOne = "{\"model\":\"tiny\",\"prompt\":[1,2,3],\"n\":6,\"max_tokens\":150,\"seed\":4}";
        CompletableFuture<Http.Answer> running = http.postAsync("/v1/completions", longOne);
        ServerParityTest.waitFor(() -> server.load().running() == 1);
        CompletableFuture<Http.Answer> waiting = http.postAsync("/v1/completions", OK);
        ServerParityTest.waitFor(() -> server.load().queued() == 1);
        Http.Answer turnedAway = complete(OK);
        assertFalse(running.isDone(), "the long request was still running");
        assertError(turnedAway, 429, "RateLimitError", null, "--max-queue=1");
        assertEquals("1", turnedAway.headers().firstValue("Retry-After").orElse(null));
        assertEquals(200, running.get().status());
        assertEquals(200, waiting.get().status());

        JsonNode ok = complete(OK).json();
        assertEquals(1, ok.get("choices").size(), "after everything, a normal request is served");
        assertTrue(ok.at("/usage/completion_tokens").intValue() <= 3);
    }

    @Test
    void oddButWellFormedInputsNeverCrashTheServer() {
        int lone = complete("{\"model\":\"tiny\",\"prompt\":\"a\\ud800b\",\"max_tokens\":1}").status();
        assertTrue(lone == 200 || lone == 400, "a lone surrogate is served or refused, never a 500: " + lone);
        String deep = "[".repeat(3000) + "]".repeat(3000);
        assertError(complete("{\"model\":\"tiny\",\"prompt\":" + deep + "}"), 400, "BadRequestError", null,
                "not valid JSON");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"seed\":123456789012345678901234567890}"),
                400, "BadRequestError", "seed", "123456789012345678901234567890");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":\"a\",\"seed\":1.5}"), 400, "BadRequestError",
                "seed", "integer");
        assertError(complete("{\"model\":\"tiny\",\"prompt\":[[1],\"x\"]}"), 400, "BadRequestError", "prompt",
                "prompt[1]");
        assertEquals(200, complete(OK).status());
    }
}
