package dev.semgrpo.rewards.custom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.semgrpo.rewards.RewardOutput;
import dev.semgrpo.rewards.RewardSample;
import dev.semgrpo.rewards.config.RewardConfig;
import dev.semgrpo.rewards.config.RewardStack;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code type: http} against a scorer on loopback: the protocol, retries, malformed replies and the key. */
class HttpRewardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-loopback-7f3a9c21";
    private static final Map<String, String> ENV = Map.of("SCORER_KEY", KEY);

    @TempDir
    Path dir;

    private static HttpReward reward(URI url, int maxRetries, int batchSize, Duration timeout) {
        return new HttpReward("scorer", new HttpReward.Options(url, timeout, maxRetries, batchSize, "SCORER_KEY",
                Duration.ofMillis(10), Duration.ofMillis(50)), ENV::get);
    }

    private static HttpReward reward(URI url, int maxRetries) {
        return reward(url, maxRetries, 64, Duration.ofSeconds(5));
    }

    private static List<RewardSample> batch(int n) {
        List<RewardSample> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new RewardSample("p" + i, "c".repeat(i + 1), List.of("r" + i), Map.of("id", "x" + i,
                    "label", JSON.getNodeFactory().numberNode(i))));
        }
        return out;
    }

    /** Rewards = completion length, and a component twice that, for every request. */
    private static LoopbackScorer.Answer lengths(LoopbackScorer.Request r) {
        try {
            JsonNode c = JSON.readTree(r.body()).get("completions");
            StringBuilder rw = new StringBuilder();
            StringBuilder dbl = new StringBuilder();
            for (int i = 0; i < c.size(); i++) {
                rw.append(i == 0 ? "" : ",").append(c.get(i).asText().length());
                dbl.append(i == 0 ? "" : ",").append(2 * c.get(i).asText().length());
            }
            return LoopbackScorer.Answer.ok("{\"rewards\": [" + rw + "], \"components\": {\"double\": [" + dbl + "]}}");
        } catch (IOException e) {
            return new LoopbackScorer.Answer(400, e.getMessage(), 0);
        }
    }

    @Test
    void batchesArePostedWithTheKeyAsBearerAndRewardsComeBackInOrder() throws IOException {
        try (LoopbackScorer s = new LoopbackScorer(10, (n, r) -> lengths(r))) {
            RewardOutput out = reward(s.url(), 0, 2, Duration.ofSeconds(5)).score(batch(3));
            assertArrayEquals(new float[] {1, 2, 3}, out.rewards(), 0f);
            assertArrayEquals(new float[] {2, 4, 6}, out.components().get("scorer/double"), 0f);
            assertEquals(2, s.requests().size(), "batch_size 2: two requests for three completions");
            for (LoopbackScorer.Request r : s.requests()) {
                assertEquals("Bearer " + KEY, r.authorization());
                assertFalse(r.body().contains(KEY), "the key goes in the header only");
            }
            JsonNode first = JSON.readTree(s.requests().get(0).body());
            assertEquals(JSON.readTree("{\"prompts\": [\"p0\", \"p1\"], \"completions\": [\"c\", \"cc\"],"
                    + " \"references\": [[\"r0\"], [\"r1\"]], \"extra\": {\"id\": [\"x0\", \"x1\"],"
                    + " \"label\": [0, 1]}}"), first);
        }
    }

    @Test
    void throughTheRewardStackFromAConfig() throws IOException {
        try (LoopbackScorer s = new LoopbackScorer(10, (n, r) -> lengths(r))) {
            RewardConfig c = RewardConfig.parse("rewards:\n  - type: http\n    url: " + s.url() + "\n    weight: 2\n"
                    + "    api_key_env: SCORER_KEY\n    timeout_s: 5\n    max_retries: 1\n    batch_size: 8\n");
            try (RewardStack st = RewardStack.build(c, dir, ENV::get)) {
                RewardOutput out = st.reward().score(batch(2));
                assertArrayEquals(new float[] {2, 4}, out.rewards(), 0f, "weight 2 x length");
                assertArrayEquals(new float[] {1, 2}, out.components().get("http"), 0f);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RewardStack.build(c, dir, Map.<String, String>of()::get));
            assertTrue(e.getMessage().contains("'SCORER_KEY', which is not set or empty"), e.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> RewardConfig.parse("rewards:\n  - type: http\n"
                + "    url: ftp://host/x\n"));
        assertTrue(e.getMessage().contains("url must be an absolute http or https URL"), e.getMessage());
        e = assertThrows(IOException.class, () -> RewardConfig.parse("rewards:\n  - type: http\n    url: http://h/x\n"
                + "    batch_size: 0\n"));
        assertTrue(e.getMessage().contains("batch_size must be >= 1, found 0"), e.getMessage());
    }

    @Test
    void a503AndATimeoutAreRetriedWithBackoff() throws IOException {
        try (LoopbackScorer s = new LoopbackScorer(10, (n, r) -> n == 0
                ? new LoopbackScorer.Answer(503, "{\"error\": \"warming up\"}", 0)
                : n == 1 ? new LoopbackScorer.Answer(200, "{\"rewards\": [9]}", 800) : lengths(r))) {
            RewardOutput out = reward(s.url(), 2, 64, Duration.ofMillis(300)).score(batch(2));
            assertArrayEquals(new float[] {1, 2}, out.rewards(), 0f);
            assertEquals(3, s.requests().size(), "503, then a timeout, then the answer");
        }
        try (LoopbackScorer s = new LoopbackScorer(10, (n, r) -> new LoopbackScorer.Answer(503, "busy", 0))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> reward(s.url(), 2).score(batch(1)));
            assertEquals("reward 'scorer' (POST " + s.url() + "): gave up after 3 attempt(s) (max_retries=2): HTTP"
                    + " 503: busy", e.getMessage());
            assertEquals(3, s.requests().size());
        }
        try (LoopbackScorer s = new LoopbackScorer(10, (n, r) -> new LoopbackScorer.Answer(400, "bad input", 0))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> reward(s.url(), 3).score(batch(1)));
            assertTrue(e.getMessage().endsWith("HTTP 400: bad input"), e.getMessage());
            assertEquals(1, s.requests().size(), "a 400 is not retried");
        }
    }

    private String malformed(String reply) throws IOException {
        try (LoopbackScorer s = new LoopbackScorer(3, (n, r) -> LoopbackScorer.Answer.ok(reply))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> reward(s.url(), 3).score(batch(3)));
            assertTrue(e.getMessage().startsWith("reward 'scorer' (POST " + s.url() + "): "), e.getMessage());
            assertEquals(1, s.requests().size(), "a malformed reply is not retried");
            return e.getMessage().substring(e.getMessage().indexOf("): ") + 3);
        }
    }

    @Test
    void malformedRepliesNameTheFieldAndTheValue() throws IOException {
        assertTrue(malformed("<html>oops</html>").startsWith("the reply is not JSON"), malformed("<html>x</html>"));
        assertEquals("\"rewards\" has 2 values for 3 completions; send one number per completion, in the order of"
                + " \"completions\"", malformed("{\"rewards\": [1, 2]}"));
        assertEquals("\"rewards\"[1] is NaN; rewards must be finite numbers", malformed("{\"rewards\": [1, NaN, 2]}"));
        assertEquals("\"rewards\"[2] is Infinity; rewards must be finite numbers",
                malformed("{\"rewards\": [1, 2, Infinity]}"));
        assertEquals("\"rewards\"[0] must be a number, found \"0.5\"", malformed("{\"rewards\": [\"0.5\", 1, 2]}"));
        assertEquals("\"rewards\"[1] must be a number, found null", malformed("{\"rewards\": [0, null, 2]}"));
        assertEquals("the reply has no \"rewards\" key: {\"components\": {}}", malformed("{\"components\": {}}"));
        assertEquals("the reply has the unknown key 'scores'; it may hold only \"rewards\" and \"components\"",
                malformed("{\"rewards\": [1, 2, 3], \"scores\": [1, 2, 3]}"));
        assertEquals("\"components.bleu\" has 1 values for 3 completions; send one number per completion, in the"
                + " order of \"completions\"", malformed("{\"rewards\": [1, 2, 3], \"components\": {\"bleu\": [1]}}"));
        assertEquals("\"rewards\" must be a list of 3 numbers, found 3", malformed("{\"rewards\": 3}"));
        assertTrue(malformed("{\"rewards\": [1, 2, 3], \"rewards\": [1, 2, 3]}").contains("Duplicate field 'rewards'"),
                "duplicate keys are rejected");
        assertTrue(malformed("{\"rewards\": [1, 2, 3]} {}").startsWith("the reply is not JSON"), "trailing content");
    }

    @Test
    void theKeyNeverAppearsInAnError() throws IOException {
        for (int status : new int[] {200, 401, 503}) {
            try (LoopbackScorer s = new LoopbackScorer(5, (n, r) -> new LoopbackScorer.Answer(status,
                    "echo: " + r.authorization() + " " + java.util.Base64.getEncoder().encodeToString(KEY.getBytes()),
                    0))) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> reward(s.url(), 1).score(batch(1)));
                assertFalse(e.getMessage().contains(KEY), e.getMessage());
                assertFalse(e.getMessage().contains(java.util.Base64.getEncoder().encodeToString(KEY.getBytes())),
                        e.getMessage());
                assertTrue(e.getMessage().contains("Bearer ***"), e.getMessage());
                if (status == 401) {
                    assertTrue(e.getMessage().contains("check the key in the variable named by api_key_env"),
                            e.getMessage());
                }
            }
        }
    }

    @Test
    void aServerThatIsGoneIsATransportErrorAfterTheRetries() throws IOException {
        URI gone;
        try (LoopbackScorer s = new LoopbackScorer(1, (n, r) -> lengths(r))) {
            gone = s.url();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> reward(gone, 1).score(batch(1)));
        assertTrue(e.getMessage().contains("gave up after 2 attempt(s) (max_retries=1): transport error: "),
                e.getMessage());
    }
}
