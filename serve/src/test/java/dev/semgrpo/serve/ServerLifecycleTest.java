package dev.semgrpo.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.nn.RandomModel;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping: by time, by close with requests waiting (503 for them, answers for the running batch), and failures. */
class ServerLifecycleTest {
    private static final String SHORT = "{\"model\":\"tiny\",\"prompt\":[5,6],\"max_tokens\":2}";

    @TempDir
    static Path dir;

    private static Path model;

    @BeforeAll
    static void write() throws Exception {
        model = Fixtures.model(dir, Architecture.QWEN3, "tiny", 5);
    }

    @Test
    void stopsItselfAfterItsTime() throws Exception {
        // 3 s: long enough for the first request on a loaded machine, short for the suite
        Server s = Server.start(Fixtures.options(model).optStopAfterSeconds(3).build());
        Http http = new Http(s);
        assertEquals(200, http.get("/health").status());
        assertTrue(s.awaitStop(30_000), "--stop-after-seconds 3 stops it");
        assertTrue(s.isStopped());
        assertThrows(RuntimeException.class, () -> http.get("/health"), "nothing listens any more");
        s.close(); // closing again is harmless
    }

    @Test
    void closingAnswersWaitingRequests503AndFinishesTheRunningBatch() throws Exception {
        Server s = Server.start(Fixtures.options(model).optMaxQueue(4).build());
        Http http = new Http(s);
        CompletableFuture<Http.Answer> running = http.postAsync("/v1/completions",
                "{\"model\":\"tiny\",\"prompt\":[1,2,3],\"n\":6,\"max_tokens\":150,\"seed\":9}");
        ServerParityTest.waitFor(() -> s.load().running() == 1);
        CompletableFuture<Http.Answer> waiting = http.postAsync("/v1/completions", SHORT);
        ServerParityTest.waitFor(() -> s.load().queued() == 1);
        Thread closer = new Thread(s::close);
        closer.start();
        Http.Answer dropped = waiting.get();
        assertEquals(503, dropped.status(), dropped.body());
        assertEquals("ServiceUnavailable", dropped.json().at("/error/type").textValue());
        assertEquals(200, running.get().status(), "the batch on the engine is finished and answered");
        closer.join(30_000);
        assertTrue(s.isStopped());
    }

    @Test
    void anEngineFailureIsAOneLine500AndTheServerKeepsServing() throws Exception {
        // NaN weights give NaN logits: the engine fails the batch, not the server
        Path broken = dir.resolve("broken");
        try (TextTokenizer tok = TextTokenizer.load(model)) {
            RandomModel.builder().setArchitecture(Architecture.QWEN3).setHiddenSize(64).setNumLayers(2).setNumHeads(4)
                    .optInitStd(Double.NaN).build().write(broken, tok);
        }
        try (Server s = Server.start(Fixtures.options(broken).optServedModelName("tiny").build())) {
            Http http = new Http(s);
            for (int i = 0; i < 2; i++) {
                Http.Answer a = http.post("/v1/completions", SHORT);
                assertEquals(500, a.status(), a.body());
                JsonNode e = a.json().get("error");
                assertEquals("InternalServerError", e.get("type").textValue());
                String m = e.get("message").textValue();
                assertTrue(m.startsWith("internal error: non-finite logits"), m);
                assertFalse(m.contains("\n") || m.contains("\tat "), "one line, no trace: " + m);
            }
            assertEquals(200, http.get("/health").status());
            assertEquals(200, http.get("/v1/models").status());
        }
    }
}
