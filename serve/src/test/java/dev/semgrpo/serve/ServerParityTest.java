package dev.semgrpo.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.LogprobsMode;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What comes over HTTP equals what the local engine computes: greedy and seeded completions against the
 * {@link Generator}, with and without a hot-loaded adapter, raw and processed log-probs, echo against
 * {@link LogProbScorer}, chat through the chat template. One server over a tiny Qwen3 serves most tests.
 */
class ServerParityTest {
    @TempDir
    static Path dir;

    private static Path qwen;
    private static Server server;
    private static Http http;
    private static TextTokenizer tok;
    private static CausalLM local;

    private static final List<int[]> PROMPTS = List.of(new int[] {72, 101, 108, 108, 111}, new int[] {87, 104},
            new int[] {84, 114, 97, 110, 115, 108, 97, 116, 101, 58, 32});

    @BeforeAll
    static void start() throws IOException {
        qwen = Fixtures.model(dir, Architecture.QWEN3, "tiny-qwen3", 1);
        server = Server.start(Fixtures.options(qwen).optLoraRoot(java.nio.file.Files.createDirectories(
                dir.resolve("loras"))).build());
        http = new Http(server);
        tok = TextTokenizer.load(qwen);
        local = CausalLM.load(qwen, Device.cpu(), DataType.FLOAT32);
    }

    @AfterAll
    static void stop() {
        server.close();
        local.close();
        tok.close();
    }

    private static ObjectNode completion(String model, List<int[]> prompts) {
        ObjectNode req = Http.JSON.createObjectNode();
        req.put("model", model);
        ArrayNode ps = req.putArray("prompt");
        for (int[] p : prompts) {
            ArrayNode a = ps.addArray();
            for (int t : p) {
                a.add(t);
            }
        }
        req.put("return_token_ids", true);
        req.put("logprobs", 0);
        return req;
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).intValue();
        }
        return out;
    }

    /** Every choice against the local completions, in order: same ids, text, finish, log-probs within 1e-4. */
    private static void assertSame(List<List<Completion>> expected, JsonNode answer, String what) {
        JsonNode choices = answer.get("choices");
        int k = 0;
        for (List<Completion> group : expected) {
            for (Completion c : group) {
                JsonNode choice = choices.get(k);
                assertEquals(k, choice.get("index").intValue());
                assertArrayEquals(c.tokenIds(), ints(choice.get("token_ids")), what + " choice " + k);
                assertEquals(c.text(), choice.get("text").textValue(), what + " choice " + k);
                assertEquals(c.finishReason().label(), choice.get("finish_reason").textValue());
                JsonNode lps = choice.get("logprobs").get("token_logprobs");
                assertEquals(c.logprobs().length, lps.size());
                for (int t = 0; t < c.logprobs().length; t++) {
                    assertEquals(c.logprobs()[t], lps.get(t).doubleValue(), 1e-4, what + " choice " + k + " token " + t);
                }
                k++;
            }
        }
        assertEquals(k, choices.size());
    }

    @Test
    void greedyCompletionsEqualTheLocalGenerator() throws IOException {
        ObjectNode req = completion(server.modelName(), PROMPTS);
        req.put("max_tokens", 20);
        req.put("temperature", 0);
        JsonNode answer = http.post("/v1/completions", req).json();
        assertSame(new Generator(local, tok).generate(PROMPTS, SamplingParams.greedy(20), null), answer, "qwen3");
        assertEquals("text_completion", answer.get("object").textValue());
        assertEquals(5 + 2 + 11, answer.at("/usage/prompt_tokens").intValue());

        // a llama of its own, and a prompt sent as text (tokenized by the server as the local tokenizer does)
        Path llama = Fixtures.model(dir, Architecture.LLAMA, "tiny-llama", 2);
        try (Server s = Server.start(Fixtures.options(llama).optStopAfterRequests(1).build());
                CausalLM lm = CausalLM.load(llama, Device.cpu(), DataType.FLOAT32);
                TextTokenizer lt = TextTokenizer.load(llama)) {
            ObjectNode text = Http.JSON.createObjectNode();
            text.put("model", "tiny-llama");
            text.putArray("prompt").add("Hello, world").add("Bonjour");
            text.put("max_tokens", 16);
            text.put("temperature", 0.0);
            text.put("logprobs", 1);
            text.put("return_token_ids", true);
            JsonNode got = new Http(s).post("/v1/completions", text).json();
            List<int[]> ids = List.of(lt.encode("Hello, world"), lt.encode("Bonjour"));
            assertSame(new Generator(lm, lt).generate(ids, SamplingParams.greedy(16), null), got, "llama");
            assertArrayEquals(ids.get(1), ints(got.at("/choices/1/prompt_token_ids")));
            assertTrue(s.awaitStop(10_000), "--stop-after-requests 1 stops the server after one answer");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void hotLoadedAdapterEqualsLocalLoraAndUnloadingRestoresTheBase() throws IOException {
        Path adapterDir = Fixtures.adapter(qwen, dir.resolve("loras/style"), 4, 7);
        List<int[]> prompts = PROMPTS.subList(0, 2);
        ObjectNode req = completion(server.modelName(), prompts);
        req.put("max_tokens", 16);
        req.put("temperature", 0);
        List<List<Completion>> base = new Generator(local, tok).generate(prompts, SamplingParams.greedy(16), null);

        Http.Answer loaded = http.post("/v1/load_lora_adapter", Map.of("lora_name", "style", "lora_path",
                adapterDir.toString()));
        assertEquals(200, loaded.status(), loaded.body());
        assertEquals("Success: LoRA adapter 'style' added successfully.", loaded.body());
        JsonNode models = http.get("/v1/models").json().get("data");
        assertEquals(2, models.size());
        assertEquals("style", models.get(1).get("id").textValue());
        assertEquals(server.modelName(), models.get(1).get("parent").textValue());
        assertTrue(models.get(0).get("parent").isNull());

        req.put("model", "style");
        JsonNode adapted = http.post("/v1/completions", req).json();
        try (CausalLM withLora = CausalLM.load(qwen, Device.cpu(), DataType.FLOAT32)) {
            Lora.load(withLora, adapterDir);
            assertSame(new Generator(withLora, tok).generate(prompts, SamplingParams.greedy(16), null), adapted,
                    "adapter");
        }
        assertNotEquals(List.of(base.get(0).get(0).text()), List.of(adapted.at("/choices/0/text").textValue()),
                "the adapter changes the output");
        req.put("model", server.modelName());
        assertSame(base, http.post("/v1/completions", req).json(), "base between adapter batches");

        Http.Answer removed = http.post("/v1/unload_lora_adapter", Map.of("lora_name", "style"));
        assertEquals("Success: LoRA adapter 'style' removed successfully.", removed.body());
        assertSame(base, http.post("/v1/completions", req).json(), "base after unloading");
        req.put("model", "style");
        assertEquals(404, http.post("/v1/completions", req).status());
        assertEquals(1, http.get("/v1/models").json().get("data").size());
    }

    @Test
    void seededSamplesAreReproducibleAndIndependentOfTheirBatch() throws Exception {
        ObjectNode req = completion(server.modelName(), List.of(PROMPTS.get(2)));
        req.put("n", 4);
        req.put("temperature", 0.9);
        req.put("top_p", 0.95);
        req.put("max_tokens", 12);
        req.put("seed", 123);
        JsonNode first = http.post("/v1/completions", req).json();
        assertSameChoices(first, http.post("/v1/completions", req).json(), "the same seed gives the same samples");
        SamplingParams p = SamplingParams.builder().setMaxNewTokens(12).optN(4).optTemperature(0.9).optTopP(0.95)
                .optSeed(123).build();
        List<List<Completion>> expected = new Generator(local, tok).logprobsMode(LogprobsMode.RAW)
                .generate(List.of(PROMPTS.get(2)), 0, p, null);
        assertSame(expected, first, "keyed (seed, 0, k) as the local Generator keys it");

        // keep the engine busy, queue the request among others with other seeds and prompts: they share a batch
        ObjectNode blocker = completion(server.modelName(), List.of(PROMPTS.get(0)));
        blocker.put("n", 8);
        blocker.put("max_tokens", 200);
        blocker.put("seed", 1);
        CompletableFuture<Http.Answer> busy = http.postAsync("/v1/completions", blocker);
        waitFor(() -> server.load().running() == 1);
        List<CompletableFuture<Http.Answer>> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ObjectNode other = completion(server.modelName(), List.of(PROMPTS.get(i % 3)));
            other.setAll(Map.of("n", other.numberNode(4), "temperature", other.numberNode(0.9), "top_p",
                    other.numberNode(0.95), "max_tokens", other.numberNode(12), "seed", other.numberNode(1000L + i)));
            others.add(http.postAsync("/v1/completions", other));
        }
        CompletableFuture<Http.Answer> again = http.postAsync("/v1/completions", req);
        waitFor(() -> server.load().queued() == 6 || busy.isDone());
        boolean batchedTogether = !busy.isDone();
        assertEquals(200, busy.get().status());
        JsonNode shared = again.get().json();
        for (CompletableFuture<Http.Answer> o : others) {
            assertEquals(200, o.get().status());
        }
        assertTrue(batchedTogether, "the six requests waited together behind the long one");
        assertSameChoices(first, shared, "sharing a batch changes nothing");
    }

    @Test
    void echoScoresThePromptAsLogProbScorerDoes() {
        int[] prompt = PROMPTS.get(2);
        ObjectNode req = completion(server.modelName(), List.of(prompt));
        req.put("echo", true);
        req.put("logprobs", 2);
        req.put("max_tokens", 0);
        JsonNode choice = http.post("/v1/completions", req).json().at("/choices/0");
        JsonNode lps = choice.at("/logprobs/token_logprobs");
        assertEquals(prompt.length, lps.size());
        assertTrue(lps.get(0).isNull(), "the first prompt token has no log-prob");
        assertTrue(choice.at("/logprobs/top_logprobs/0").isNull());
        assertEquals(tok.decode(prompt, false), choice.get("text").textValue());
        try (NDManager m = NDManager.newBaseManager()) {
            float[] expected = LogProbScorer.score(local, m, List.of(new int[] {prompt[0]}),
                    List.of(java.util.Arrays.copyOfRange(prompt, 1, prompt.length)), 1.0, false).logprobs()
                    .toFloatArray();
            for (int t = 1; t < prompt.length; t++) {
                assertEquals(expected[t - 1], lps.get(t).doubleValue(), 1e-4, "prompt token " + t);
                JsonNode top = choice.at("/logprobs/top_logprobs/" + t);
                assertTrue(top.size() >= 2 && top.size() <= 3, "the token and two alternatives: " + top);
            }
        }
        // with generation: prompt then completion, text = prompt text + completion text
        req.put("max_tokens", 4);
        req.put("temperature", 0);
        JsonNode both = http.post("/v1/completions", req).json().at("/choices/0");
        assertEquals(prompt.length + both.get("token_ids").size(), both.at("/logprobs/tokens").size());
        Completion c = new Generator(local, tok).generate(List.of(prompt), SamplingParams.greedy(4), null).get(0)
                .get(0);
        assertEquals(tok.decode(prompt, false) + c.text(), both.get("text").textValue());
    }

    @Test
    void chatCompletionsRenderTheChatTemplate() {
        ObjectNode req = Http.JSON.createObjectNode();
        req.put("model", server.modelName());
        ArrayNode messages = req.putArray("messages");
        messages.addObject().put("role", "system").put("content", "Be brief.");
        messages.addObject().put("role", "user").put("content", "Hello there");
        req.put("max_completion_tokens", 10);
        req.put("temperature", 0);
        req.put("logprobs", true);
        req.put("top_logprobs", 3);
        JsonNode answer = http.post("/v1/chat/completions", req).json();
        int[] prompt = new PromptRenderer(tok, null, "test").chat(List.of(PromptRenderer.message("system",
                "Be brief."), PromptRenderer.message("user", "Hello there"))).ids();
        Completion c = new Generator(local, tok).generate(List.of(prompt), SamplingParams.greedy(10), null).get(0)
                .get(0);
        assertEquals("chat.completion", answer.get("object").textValue());
        assertEquals("assistant", answer.at("/choices/0/message/role").textValue());
        assertEquals(c.text(), answer.at("/choices/0/message/content").textValue());
        assertEquals(prompt.length, answer.at("/usage/prompt_tokens").intValue());
        assertEquals(c.tokenIds().length, answer.at("/usage/completion_tokens").intValue());
        JsonNode content = answer.at("/choices/0/logprobs/content");
        assertEquals(c.tokenIds().length, content.size());
        for (int t = 0; t < content.size(); t++) {
            assertEquals(c.logprobs()[t], content.get(t).get("logprob").doubleValue(), 1e-4);
            assertEquals(3, content.get(t).get("top_logprobs").size());
            assertEquals(content.get(t).get("token"), content.get(t).at("/top_logprobs/0/token"),
                    "greedy: the most likely alternative is the token");
        }
        assertEquals(200, http.get("/health").status());
        assertEquals(Fixtures.MAX_POSITIONS, http.get("/v1/models").json().at("/data/0/max_model_len").intValue());
    }

    @Test
    void rawAndProcessedLogprobsDifferAtTemperatureAndAgreeAtOne() throws IOException {
        try (Server processed = Server.start(Fixtures.options(qwen).optLogprobsMode(LogprobsMode.PROCESSED).build());
                NDManager m = NDManager.newBaseManager()) {
            ObjectNode req = completion(server.modelName(), List.of(PROMPTS.get(0)));
            req.put("n", 2);
            req.put("temperature", 0.7);
            req.put("max_tokens", 8);
            req.put("seed", 5);
            JsonNode raw = http.post("/v1/completions", req).json();
            req.put("model", processed.modelName());
            JsonNode proc = new Http(processed).post("/v1/completions", req).json();
            double gap = 0;
            for (int s = 0; s < 2; s++) {
                JsonNode r = raw.at("/choices/" + s);
                JsonNode p = proc.at("/choices/" + s);
                assertEquals(r.get("token_ids"), p.get("token_ids"), "the mode never changes what is drawn");
                int[] ids = ints(r.get("token_ids"));
                float[] atOne = LogProbScorer.score(local, m, List.of(PROMPTS.get(0)), List.of(ids), 1.0, false)
                        .logprobs().toFloatArray();
                float[] atT = LogProbScorer.score(local, m, List.of(PROMPTS.get(0)), List.of(ids), 0.7, false)
                        .logprobs().toFloatArray();
                for (int t = 0; t < ids.length; t++) {
                    double rl = r.at("/logprobs/token_logprobs/" + t).doubleValue();
                    double pl = p.at("/logprobs/token_logprobs/" + t).doubleValue();
                    assertEquals(atOne[t], rl, 1e-4, "raw: the model's own distribution");
                    assertEquals(atT[t], pl, 1e-4, "processed: the distribution sampled from");
                    gap = Math.max(gap, Math.abs(rl - pl));
                }
            }
            assertTrue(gap > 1e-3, "at temperature 0.7 raw and processed differ: " + gap);

            req.put("temperature", 1.0);
            req.put("top_p", 1.0);
            JsonNode procOne = new Http(processed).post("/v1/completions", req).json();
            req.put("model", server.modelName());
            JsonNode rawOne = http.post("/v1/completions", req).json();
            for (int s = 0; s < 2; s++) {
                JsonNode r = rawOne.at("/choices/" + s + "/logprobs/token_logprobs");
                JsonNode p = procOne.at("/choices/" + s + "/logprobs/token_logprobs");
                for (int t = 0; t < r.size(); t++) {
                    assertEquals(r.get(t).doubleValue(), p.get(t).doubleValue(), 1e-5, "at temperature 1 they agree");
                }
            }
        }
    }

    /** Same tokens and text; log-probs within 1e-4 (padding beside other prompts moves the last float bits). */
    private static void assertSameChoices(JsonNode a, JsonNode b, String what) {
        assertEquals(a.get("choices").size(), b.get("choices").size());
        for (int k = 0; k < a.get("choices").size(); k++) {
            JsonNode x = a.get("choices").get(k);
            JsonNode y = b.get("choices").get(k);
            assertEquals(x.get("token_ids"), y.get("token_ids"), what + ", choice " + k);
            assertEquals(x.get("text"), y.get("text"), what + ", choice " + k);
            JsonNode lx = x.at("/logprobs/token_logprobs");
            JsonNode ly = y.at("/logprobs/token_logprobs");
            for (int t = 0; t < lx.size(); t++) {
                assertEquals(lx.get(t).doubleValue(), ly.get(t).doubleValue(), 1e-4, what + ", choice " + k);
            }
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 30 s");
            }
            Thread.sleep(2);
        }
    }
}
