package dev.semgrpo.eval.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.results.ExampleRecord;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config binding and validation, the client's retry policy, templates and verdict parsing. */
class JudgeConfigTest {
    private static final String MIN = "base_url: http://127.0.0.1:8000/v1/\nmodel: judge-7b\n";

    @Test
    void defaultsAreFilledIn() throws IOException {
        JudgeConfig c = JudgeConfig.parse(MIN);
        assertEquals("http://127.0.0.1:8000/v1", c.baseUrl(), "trailing slash dropped");
        assertEquals("http://127.0.0.1:8000/v1/chat/completions", c.endpoint().toString());
        assertNull(c.apiKeyEnv());
        assertEquals(0.0, c.temperature(), 1e-12);
        assertEquals(4, c.concurrency());
        assertEquals(2, c.maxInvalidRetries());
        assertEquals(5, c.maxRetries());
        assertTrue(c.userPrompt().contains("{reference}"));
        assertTrue(c.systemPrompt().contains("[[C]]"));
        assertEquals("judge-7b", c.toJson().path("model").asText());
        assertEquals(4, c.toJson().path("concurrency").asInt());
    }

    @Test
    void loadsFromAFileAndNamesUnknownKeys(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("judge.yaml");
        Files.writeString(f, MIN + "api_key_env: OPENAI_API_KEY\nconcurrency: 8\n");
        JudgeConfig c = JudgeConfig.load(f);
        assertEquals("OPENAI_API_KEY", c.apiKeyEnv());
        assertEquals(8, c.concurrency());

        Files.writeString(f, MIN + "temprature: 0.5\n");
        IOException e = assertThrows(IOException.class, () -> JudgeConfig.load(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("unknown key 'temprature'"), e.getMessage());
        assertTrue(e.getMessage().contains("near line "), e.getMessage());
    }

    @Test
    void badValuesAreExplained() {
        assertMessage("model: m\n", "'base_url' is required");
        assertMessage("base_url: http://h:1/v1/chat/completions\nmodel: m\n", "drop the trailing /chat/completions");
        assertMessage("base_url: ftp://h/v1\nmodel: m\n", "must be an http:// or https:// URL, found 'ftp://h/v1'");
        assertMessage("base_url: http://h/v1\n", "'model' is required");
        assertMessage(MIN + "temperature: 3\n", "'temperature' must be in [0, 2], found 3.0");
        assertMessage(MIN + "concurrency: 0\n", "'concurrency' must be >= 1, found 0");
        assertMessage(MIN + "max_retries: -1\n", "'max_retries' must be >= 0, found -1");
        assertMessage(MIN + "retry_backoff_ms: 100\nmax_backoff_ms: 10\n", "'max_backoff_ms' must be >= "
                + "retry_backoff_ms (100), found 10");
        assertMessage(MIN + "user_prompt: 'Q {question} A {answer_a}'\n", "placeholder {answer_b}");
        assertMessage(MIN + "verdict_pattern: 'verdict: [ABC]'\n", "needs a capturing group");
        assertMessage(MIN + "verdict_pattern: '[[('\n", "not a regular expression");
        String pasted = "sk-proj-abc123-def456";
        String msg = assertMessage(MIN + "api_key_env: " + pasted + "\n", "not the key itself");
        assertFalse(msg.contains(pasted), "a key pasted into api_key_env is not echoed: " + msg);
    }

    private static String assertMessage(String yaml, String expected) {
        IOException e = assertThrows(IOException.class, () -> JudgeConfig.parse(yaml), yaml);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void backoffDoublesUpToTheCapAndHonoursRetryAfter() throws IOException {
        JudgeConfig c = JudgeConfig.parse(MIN + "retry_backoff_ms: 100\nmax_backoff_ms: 1000\n");
        ChatClient client = new ChatClient(c, name -> null);
        assertEquals(100, client.backoffMs(0, 0));
        assertEquals(200, client.backoffMs(1, 0));
        assertEquals(800, client.backoffMs(3, 0));
        assertEquals(1000, client.backoffMs(4, 0));
        assertEquals(1000, client.backoffMs(60, 0));
        assertEquals(500, client.backoffMs(0, 500));
        assertEquals(1000, client.backoffMs(0, 90_000));
    }

    @Test
    void transportErrorsAreRetriedThenReported() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        JudgeConfig c = JudgeConfig.parse("base_url: http://127.0.0.1:" + port + "/v1\nmodel: m\n"
                + "max_retries: 2\nretry_backoff_ms: 1\nmax_backoff_ms: 2\ntimeout_seconds: 5\n");
        ChatException e = assertThrows(ChatException.class, () -> new ChatClient(c, n -> null).complete("", "hi"));
        assertEquals(ChatException.Kind.TRANSPORT, e.kind());
        assertTrue(e.getMessage().contains("gave up after 3 attempts"), e.getMessage());
        assertTrue(e.getMessage().contains("transport error"), e.getMessage());
    }

    @Test
    void aKeyThatCannotBeAHeaderIsRefusedByVariableName() throws IOException {
        JudgeConfig c = JudgeConfig.parse(MIN + "api_key_env: MY_KEY\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ChatClient(c, n -> "abc def\n"));
        assertTrue(e.getMessage().contains("'MY_KEY'"), e.getMessage());
        assertFalse(e.getMessage().contains("abc def"), e.getMessage());
    }

    @Test
    void renderSubstitutesOnceAndLeavesOtherBraces() {
        String out = PairwiseJudge.render("Q: {question} | {answer_a} vs {answer_b} {other}",
                Map.of("question", "q {answer_b}", "answer_a", "x", "answer_b", "y"));
        assertEquals("Q: q {answer_b} | x vs y {other}", out);
        assertEquals("r1", PairwiseJudge.formatReferences(List.of("r1")));
        assertEquals("Reference 1:\nr1\n\nReference 2:\nr2", PairwiseJudge.formatReferences(List.of("r1", "r2")));
        assertEquals("(no reference answer)", PairwiseJudge.formatReferences(List.of()));
    }

    @Test
    void theLastVerdictInTheReplyCounts() {
        Pattern p = Pattern.compile(JudgeConfig.DEFAULT_VERDICT_PATTERN);
        assertEquals("B", PairwiseJudge.parseVerdict(p, "Output [[A]] if A is better... Final: [[B]]"));
        assertEquals("C", PairwiseJudge.parseVerdict(p, "tie [[ C ]]"));
        assertNull(PairwiseJudge.parseVerdict(p, "A is better"));
        assertNull(PairwiseJudge.parseVerdict(p, "[[D]]"));
        Pattern custom = Pattern.compile("Verdict:\\s*(\\w+)");
        assertEquals("A", PairwiseJudge.parseVerdict(custom, "Verdict: a"));
        assertNull(PairwiseJudge.parseVerdict(custom, "Verdict: tie"), "labels other than A, B, C are not verdicts");
    }

    @Test
    void pairMatchesTwoResultsById() {
        List<ExampleRecord> a = List.of(rec("1", "yes"), rec("2", "no"));
        List<ExampleRecord> b = List.of(rec("2", "maybe"), rec("1", "perhaps"));
        List<PairwiseExample> pairs = PairwiseExample.pair(a, b);
        assertEquals(List.of("1", "2"), pairs.stream().map(PairwiseExample::id).toList());
        assertEquals("perhaps", pairs.get(0).answerB());
        assertEquals("yes", pairs.get(0).answerA());
        assertEquals(List.of("ref 1"), pairs.get(0).references());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PairwiseExample.pair(a, List.of(rec("1", "x"), rec("3", "y"))));
        assertTrue(e.getMessage().contains("only in A [2]") && e.getMessage().contains("only in B [3]"),
                e.getMessage());
    }

    private static ExampleRecord rec(String id, String output) {
        return new ExampleRecord(id, "question " + id, output, List.of("ref " + id), Map.of(), null, null, null);
    }
}
