package dev.semgrpo.eval.judge;

import static dev.semgrpo.eval.judge.PairwiseJudgeTest.ENV;
import static dev.semgrpo.eval.judge.PairwiseJudgeTest.KEY;
import static dev.semgrpo.eval.judge.PairwiseJudgeTest.ex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.eval.judge.StubJudgeServer.Reply;
import dev.semgrpo.eval.judge.StubJudgeServer.Request;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.TaskSummary;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.io.SecretRedactor;
import dev.semgrpo.model.io.SecretRedactorTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JudgeFolderTest {
    static final String TASK = "judge-mt";
    static final String A = "grpo=runs/eval-grpo";
    static final String B = "base=runs/eval-base";

    @TempDir
    Path out;

    static List<PairwiseExample> examples(int n) {
        List<PairwiseExample> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(ex(i, i % 2 == 0, i % 3 == 0));
        }
        return list;
    }

    /** The key in every encoding {@link SecretRedactorTest#encodings} knows, as a server that echoes it writes. */
    static String echo(Request r) {
        String key = r.authorization().substring("Bearer ".length());
        return "you sent " + String.join(" , ", SecretRedactorTest.encodings(key));
    }

    /** A fair verdict whose reply also echoes the key. */
    static Reply echoingVerdict(Request r) {
        Reply fair = PairwiseJudgeTest.fair(r);
        JsonNode body = readTree(fair.body());
        String verdict = body.path("choices").path(0).path("message").path("content").asText();
        return Reply.verdict(echo(r) + "\n" + verdict);
    }

    static JsonNode readTree(String json) {
        try {
            return StubJudgeServer.JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    JudgeFolder.Result judge(String baseUrl, String extraYaml, List<PairwiseExample> examples, double maxInvalid)
            throws Exception {
        JudgeConfig cfg = PairwiseJudgeTest.config(baseUrl, extraYaml);
        List<String> notes = new ArrayList<>();
        JudgeFolder.Result r = new JudgeFolder(out, TASK).judge(new PairwiseJudge(cfg, ENV), examples, A, B, null,
                maxInvalid, notes::add, null);
        assertTrue(notes.isEmpty(), notes.toString());
        return r;
    }

    JudgeFailedException failing(String baseUrl, String extraYaml, List<PairwiseExample> examples,
            double maxInvalid) {
        return assertThrows(JudgeFailedException.class, () -> judge(baseUrl, extraYaml, examples, maxInvalid));
    }

    /** Every file under {@code out}: its text and, for JSON and JSONL, every string and field name decoded. */
    List<String> everythingWritten() throws IOException {
        List<String> texts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(f);
                texts.add(f + ":\n" + text);
                List<String> chunks = new ArrayList<>(List.of(text));
                chunks.addAll(text.lines().toList());
                for (String chunk : chunks) {
                    try {
                        collectStrings(StubJudgeServer.JSON.readTree(chunk), texts);
                    } catch (IOException notJson) {
                        // a line of a pretty-printed file
                    }
                }
            }
        }
        return texts;
    }

    private static void collectStrings(JsonNode n, List<String> into) {
        if (n == null) {
            return;
        }
        if (n.isTextual()) {
            into.add(n.asText());
        }
        n.fieldNames().forEachRemaining(into::add);
        n.forEach(c -> collectStrings(c, into));
    }

    void assertNoKeyWritten(String message) throws IOException {
        for (String text : everythingWritten()) {
            assertFalse(SecretRedactorTest.leaks(text, KEY), text);
        }
        assertFalse(SecretRedactorTest.leaks(message, KEY), message);
    }

    List<String> filesWritten() throws IOException {
        if (!Files.exists(out.resolve(TASK))) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(out.resolve(TASK))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void whenNothingIsJudgedNothingIsWrittenTheErrorSaysWhyAndARerunWorks() throws Exception {
        List<PairwiseExample> examples = examples(4);
        int closed;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = free.getLocalPort();
        }
        JudgeFailedException refused = failing("http://127.0.0.1:" + closed + "/v1", "max_retries: 0\nconcurrency: 1\n",
                examples, 0);
        assertTrue(refused.getMessage().startsWith(TASK + ": no example could be judged: 4 of 4 examples could not "
                + "be judged (8 failed orders: 8 transport error)"), refused.getMessage());
        assertTrue(refused.getMessage().contains("check that the server at base_url is running"),
                refused.getMessage());
        assertTrue(refused.getMessage().endsWith("then run the same command again"), refused.getMessage());
        assertEquals(List.of(), filesWritten());

        Map<String, Function<Request, Reply>> servers = Map.of(
                "HTTP 401", r -> Reply.status(401, "{\"error\": \"" + echo(r).replace("\\", "\\\\") + "\"}"),
                "malformed reply", r -> new Reply(200, "<html>" + echo(r) + "</html>", Map.of()),
                "no verdict", r -> Reply.verdict("I cannot decide. " + echo(r)),
                "HTTP 500", r -> Reply.status(500, echo(r)));
        for (Map.Entry<String, Function<Request, Reply>> s : servers.entrySet()) {
            try (StubJudgeServer server = new StubJudgeServer(s.getValue())) {
                JudgeFailedException e = failing(server.baseUrl(), "max_retries: 1\nmax_invalid_retries: 1\n",
                        examples, 1.0);
                assertTrue(e.getMessage().contains(s.getKey()), s.getKey() + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("Nothing was written to " + out.resolve(TASK)), e.getMessage());
                assertNoKeyWritten(e.getMessage());
                assertEquals(List.of(), filesWritten(), s.getKey());
            }
        }
        try (StubJudgeServer server = new StubJudgeServer(PairwiseJudgeTest::fair)) {
            JudgeFolder.Result r = judge(server.baseUrl(), "", examples, 0);
            assertEquals("wrote " + out.resolve(TASK), r.message());
            assertEquals(List.of("examples.jsonl", "provenance.json", "summary.json"), filesWritten());
            assertEquals("complete", r.summary().config().path("status").asText());
        }
    }

    @Test
    void tooManyInvalidExamplesKeepTheVerdictsAndARerunAsksOnlyForTheRest() throws Exception {
        List<PairwiseExample> examples = examples(5);
        try (StubJudgeServer server = new StubJudgeServer(r -> r.question().equals("Q1") || r.question().equals("Q3")
                ? Reply.status(500, echo(r)) : echoingVerdict(r))) {
            JudgeFailedException e = failing(server.baseUrl(), "max_retries: 0\n", examples, 0.2);
            String m = e.getMessage();
            assertTrue(m.startsWith(TASK + ": 2 of 5 examples could not be judged (4 failed orders: 4 HTTP 500)"), m);
            assertTrue(m.contains("that is 40.0% of the examples, more than --max-invalid-fraction 0.2 allows"), m);
            Path partial = out.resolve(TASK).resolve(JudgeFolder.PARTIAL);
            assertTrue(m.contains("the verdicts so far (3 verdicts) are kept in " + partial
                    + ", and running the same command again asks only for the rest"), m);
            assertTrue(m.endsWith("or pass --max-invalid-fraction 0.4 to accept a result without them"), m);
            assertNoKeyWritten(m);
        }
        assertEquals(List.of(JudgeFolder.PARTIAL, JudgeFolder.PROVENANCE), filesWritten());
        assertFalse(EvalResults.isComplete(out, TASK), "no summary, so nothing reads it as a result");
        assertEquals(3, Jsonl.read(out.resolve(TASK).resolve(JudgeFolder.PARTIAL)).size());

        try (StubJudgeServer server = new StubJudgeServer(PairwiseJudgeTest::fair)) {
            JudgeFolder.Result r = judge(server.baseUrl(), "max_retries: 0\n", examples, 0.2);
            assertEquals(4, server.requests().size(), "only the two examples not judged before are asked");
            assertEquals("wrote " + out.resolve(TASK) + " (3 verdicts kept from an earlier run)", r.message());
            assertEquals(List.of("examples.jsonl", "provenance.json", "summary.json"), filesWritten(),
                    "the kept verdicts are part of the result now");
            TaskSummary s = EvalResults.readTask(out.resolve(TASK)).summary();
            assertEquals(5, s.examples());
            assertEquals("complete", s.config().path("status").asText());
            assertEquals(3, s.config().path("counts").path("reused").asInt());
            assertNoKeyWritten(r.message());

            JudgeFolder.Result again = judge(server.baseUrl(), "max_retries: 0\n", examples, 0.2);
            assertNull(again.run(), "a finished folder is not judged again");
            assertTrue(again.message().endsWith("already judged in " + out.resolve(TASK) + "; nothing to do"));
            assertEquals(4, server.requests().size());
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                    () -> judge(server.baseUrl(), "temperature: 0.5\n", examples, 0.2));
            String refused = other.getMessage();
            assertTrue(refused.contains("already holds a finished judgement of other inputs (differs: the judge "
                    + "model, prompts or sampling)") && refused.contains("use another --out"), refused);
            assertEquals(4, server.requests().size());
        }
    }

    @Test
    void keptVerdictsOfAnotherJudgeConfigAreNotReused() throws Exception {
        List<PairwiseExample> examples = examples(3);
        try (StubJudgeServer server = new StubJudgeServer(r -> r.question().equals("Q0")
                ? Reply.status(503, "busy") : PairwiseJudgeTest.fair(r))) {
            failing(server.baseUrl(), "max_retries: 0\n", examples, 0);
        }
        try (StubJudgeServer server = new StubJudgeServer(PairwiseJudgeTest::fair)) {
            JudgeConfig other = PairwiseJudgeTest.config(server.baseUrl(), "max_tokens: 64\n");
            List<String> notes = new ArrayList<>();
            JudgeFolder.Result r = new JudgeFolder(out, TASK).judge(new PairwiseJudge(other, ENV), examples, A, B,
                    null, 0, notes::add, null);
            assertEquals(6, server.requests().size(), "every example is asked again");
            assertEquals(1, notes.size());
            assertTrue(notes.get(0).contains("came from another judge model, prompts or sampling"), notes.get(0));
            assertEquals(0, r.run().reused());
            assertFalse(Files.exists(out.resolve(TASK).resolve(JudgeFolder.PARTIAL)));
        }
    }

    @Test
    void anAcceptedShareOfInvalidExamplesGivesAResultMarkedPartial() throws Exception {
        List<PairwiseExample> examples = examples(4);
        try (StubJudgeServer server = new StubJudgeServer(r -> r.question().equals("Q2")
                ? new Reply(200, "<html>" + echo(r) + "</html>", Map.of()) : echoingVerdict(r))) {
            JudgeFolder.Result r = judge(server.baseUrl(), "max_invalid_retries: 0\n", examples, 0.25);
            assertTrue(r.message().startsWith("wrote " + out.resolve(TASK) + ", a partial result (summary.json: "
                    + "status partial): 1 of 4 examples could not be judged (2 failed orders: 2 malformed reply)"),
                    r.message());
            assertTrue(r.message().endsWith("accepted by --max-invalid-fraction 0.25"), r.message());
            TaskSummary s = EvalResults.readTask(out.resolve(TASK)).summary();
            assertEquals("partial", s.config().path("status").asText());
            assertEquals(3, s.examples());
            assertEquals(1, s.config().path("counts").path("invalid").asInt());
            assertEquals("ex2", s.config().path("invalid").path(0).path("id").asText());
            assertEquals(List.of("malformed reply", "malformed reply"), StubJudgeServer.JSON.convertValue(
                    s.config().path("invalid").path(0).path("causes"), List.class));
            assertNoKeyWritten(r.message());
        }
        assertThrows(IllegalArgumentException.class, () -> JudgeFolder.checkFraction(1.5));
        assertThrows(IllegalArgumentException.class, () -> JudgeFolder.checkFraction(Double.NaN));
    }

    @Test
    void provenanceNamesTheJudgeAndHoldsNoSecret() throws Exception {
        try (StubJudgeServer server = new StubJudgeServer(JudgeFolderTest::echoingVerdict)) {
            judge(server.baseUrl(), "", examples(2), 0);
            JsonNode p = EvalResults.JSON.readTree(out.resolve(TASK).resolve(JudgeFolder.PROVENANCE).toFile());
            JudgeConfig cfg = PairwiseJudgeTest.config(server.baseUrl(), "");
            assertTrue(Instant.parse(p.path("created").asText()).isAfter(Instant.now().minusSeconds(3600)));
            assertTrue(p.path("semgrpo_version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), p.toString());
            assertTrue(p.path("semgrpo_commit").asText().matches("[0-9a-f]{40}|unknown"), p.toString());
            assertFalse(p.path("java").asText().isEmpty());
            assertEquals("judge", p.path("command").asText());
            assertEquals(TASK, p.path("task").asText());
            assertEquals(A, p.path("model_a").asText());
            assertEquals(B, p.path("model_b").asText());
            assertEquals("stub-judge", p.path("judge").path("model").asText());
            assertEquals(server.baseUrl(), p.path("judge").path("base_url").asText());
            assertEquals("JUDGE_TEST_KEY", p.path("judge").path("api_key_env").asText());
            assertEquals(JudgeProvenance.configHash(cfg), p.path("judge_config_sha256").asText());
            assertTrue(p.path("judge_config_sha256").asText().matches("[0-9a-f]{64}"));
            assertEquals(JudgeProvenance.DEFAULT_PROMPTS, p.path("prompts").path("template").asText());
            assertTrue(p.path("prompts").path("user_sha256").asText().matches("[0-9a-f]{64}"));
            assertEquals(2, p.path("examples").asInt());
            assertEquals(0.0, p.path("max_invalid_fraction").asDouble());
            assertNoKeyWritten("");
        }
        JudgeConfig custom = JudgeConfig.parse("base_url: http://127.0.0.1:9/v1\nmodel: m\nsystem_prompt: ''\n");
        JsonNode p = JudgeProvenance.of(custom, TASK, A, B, 1, 0);
        assertEquals("custom", p.path("prompts").path("template").asText());
        assertNotNull(p.path("judge").get("api_key_env"));
        assertTrue(p.path("judge").get("api_key_env").isNull(), "no key variable: null, not a guess");
        assertEquals("http://host:8000/v1", JudgeProvenance.withoutSecrets("http://u:pw@host:8000/v1?key=k#f"));
    }

    @Test
    void aBaseUrlWithCredentialsIsRejectedWithoutEchoingThem() {
        for (String url : List.of("https://user:" + KEY + "@api.example.com/v1", "http://127.0.0.1:8000/v1?api_key="
                + KEY, "http://127.0.0.1:8000/v1#" + KEY)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> JudgeConfig.of(url, "m", null));
            assertTrue(e.getMessage().contains("without user:password@, ?query or #fragment"), e.getMessage());
            assertFalse(e.getMessage().contains(KEY), e.getMessage());
            assertFalse(e.getMessage().contains("api.example.com"), "the URL is not echoed: " + e.getMessage());
        }
    }
}
