package dev.semgrpo.eval.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.judge.StubJudgeServer.Reply;
import dev.semgrpo.eval.judge.StubJudgeServer.Request;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.results.TaskSummary;
import dev.semgrpo.model.io.SecretRedactor;
import dev.semgrpo.model.io.SecretRedactorTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairwiseJudgeTest {
    static final String KEY = "sk-stub-5ecret-Key-0042";
    static final Function<String, String> ENV = name -> "JUDGE_TEST_KEY".equals(name) ? KEY : null;
    private static final double EPS = 1e-9;

    static JudgeConfig config(String baseUrl, String extraYaml) throws IOException {
        return JudgeConfig.parse("base_url: " + baseUrl + "\nmodel: stub-judge\napi_key_env: JUDGE_TEST_KEY\n"
                + "retry_backoff_ms: 1\nmax_backoff_ms: 4\n" + extraYaml);
    }

    /** A position-blind judge: the answer containing "good" wins; both good or both bad is a tie. */
    static Reply fair(Request r) {
        boolean a = r.slotA().contains("good");
        boolean b = r.slotB().contains("good");
        String label = a == b ? "C" : a ? "A" : "B";
        return Reply.verdict("Comparing both answers with the reference, ... my verdict is [[" + label + "]]");
    }

    static PairwiseExample ex(int i, boolean aGood, boolean bGood) {
        return new PairwiseExample("ex" + i, "Q" + i, List.of("reference " + i),
                (aGood ? "good" : "bad") + " answer " + i + " of model A",
                (bGood ? "good" : "bad") + " answer " + i + " of model B");
    }

    @Test
    void goodRepliesGiveTheWinRateFromBothOrders(@TempDir Path tmp) throws Exception {
        List<PairwiseExample> examples = List.of(ex(0, true, false), ex(1, false, true), ex(2, true, true),
                ex(3, true, false), ex(4, false, false));
        List<int[]> progress = new ArrayList<>();
        try (StubJudgeServer server = new StubJudgeServer(r -> {
            sleep(r.question().equals("Q0") ? 60 : 5); // the first example finishes last
            return fair(r);
        })) {
            JudgeConfig cfg = config(server.baseUrl(), "concurrency: 4\n");
            JudgeRun run = new PairwiseJudge(cfg, ENV).judge(examples, (d, t) -> progress.add(new int[] {d, t}));

            List<Request> requests = server.requests();
            assertEquals(10, requests.size(), "two orders per example");
            for (Request r : requests) {
                assertEquals("/v1/chat/completions", r.path());
                assertEquals("Bearer " + KEY, r.authorization());
                assertEquals("stub-judge", r.body().path("model").asText());
                assertEquals(0.0, r.body().path("temperature").asDouble(), EPS);
                assertEquals(1024, r.body().path("max_tokens").asInt());
                assertEquals("system", r.body().path("messages").path(0).path("role").asText());
                assertTrue(r.body().path("messages").path(1).path("content").asText().contains("reference "));
            }
            for (PairwiseExample e : examples) {
                List<Request> seen = server.requestsFor(e.question());
                assertEquals(2, seen.size(), e.id());
                assertEquals(1, seen.stream().filter(r -> r.slotA().equals(e.answerA())
                        && r.slotB().equals(e.answerB())).count(), e.id() + ": A's answer shown first once");
                assertEquals(1, seen.stream().filter(r -> r.slotA().equals(e.answerB())
                        && r.slotB().equals(e.answerA())).count(), e.id() + ": A's answer shown second once");
            }

            assertEquals(List.of("ex0", "ex1", "ex2", "ex3", "ex4"),
                    run.judged().stream().map(ExampleRecord::id).toList(), "input order whatever the timing");
            assertTrue(run.invalid().isEmpty());
            double[] wins = {1, 0, 0.5, 1, 0.5};
            for (int i = 0; i < wins.length; i++) {
                ExampleRecord r = run.judged().get(i);
                assertEquals(wins[i], r.score(JudgeRun.WIN), EPS, r.id());
                assertEquals(1.0, r.score(JudgeRun.CONSISTENT), EPS, r.id());
                assertEquals("Q" + i, r.input());
                assertEquals(examples.get(i).answerA(), r.output());
                assertEquals(List.of("reference " + i), r.references());
                assertEquals(examples.get(i).answerB(), r.extra().path("answer_b").asText());
                assertEquals(2, r.extra().path("orders").size());
                assertEquals("a_first", r.extra().path("orders").path(0).path("order").asText());
                assertEquals("b_first", r.extra().path("orders").path(1).path("order").asText());
            }
            // ex2 and ex4: the judge said [[C]] in both orders
            assertEquals(1.0, run.judged().get(2).score(JudgeRun.TIE), EPS);
            assertEquals(0.0, run.judged().get(0).score(JudgeRun.TIE), EPS);
            // ex1: B wins; shown first B's answer is in slot B, so the label is "B", shown second it is "A"
            assertEquals("B", run.judged().get(1).extra().path("orders").path(0).path("label").asText());
            assertEquals("A", run.judged().get(1).extra().path("orders").path(1).path("label").asText());

            List<MetricResult> metrics = run.metrics();
            assertEquals("win_rate", metrics.get(0).name());
            assertEquals(3.0 / 5, metrics.get(0).value(), EPS);
            assertEquals(2.0 / 5, metric(metrics, "a_win_rate"), EPS);
            assertEquals(1.0 / 5, metric(metrics, "b_win_rate"), EPS);
            assertEquals(2.0 / 5, metric(metrics, "tie_rate"), EPS);
            assertEquals(1.0, metric(metrics, "consistency"), EPS);
            assertEquals(2, run.counts().path("a_wins").asInt());
            assertEquals(1, run.counts().path("b_wins").asInt());
            assertEquals(2, run.counts().path("ties").asInt());
            assertEquals(0, run.counts().path("invalid").asInt());

            assertEquals(5, progress.size());
            for (int i = 0; i < progress.size(); i++) {
                assertEquals(i + 1, progress.get(i)[0]);
                assertEquals(5, progress.get(i)[1]);
            }

            // what a run writes can be read back and every metric recomputed from examples.jsonl
            TaskSummary summary = run.summary("judge_udhr", "target", "runs/grpo/final", null, "base", 1.5, null, cfg);
            EvalResults.write(tmp, summary, run.judged());
            EvalResults.TaskResults back = EvalResults.readTask(tmp.resolve("judge_udhr"));
            assertEquals(5, back.examples().size());
            for (MetricResult m : back.summary().metrics()) {
                assertEquals(m.value(), m.aggregate().compute(back.examples()), EPS, m.name());
            }
            assertEquals("judge", back.summary().type());
            assertEquals("stub-judge", back.summary().config().path("judge").path("model").asText());
            String written = EvalResults.JSON.writeValueAsString(back.summary())
                    + EvalResults.JSON.writeValueAsString(back.examples());
            assertFalse(written.contains(KEY), "the key never reaches the results");
        }
    }

    @Test
    void malformedRepliesAreAskedAgainThenCountedInvalid() throws Exception {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        List<PairwiseExample> examples = List.of(ex(0, true, false), ex(1, true, false), ex(2, true, true),
                ex(3, true, false));
        try (StubJudgeServer server = new StubJudgeServer(r -> {
            boolean aFirst = r.slotA().contains("model A");
            int n = calls.computeIfAbsent(r.question() + aFirst, k -> new AtomicInteger()).incrementAndGet();
            return switch (r.question()) {
                case "Q0" -> n == 1 ? new Reply(200, "<html>upstream hiccup</html>", Map.of()) : fair(r);
                case "Q1" -> Reply.verdict("Both answers have merits; I cannot decide.");
                case "Q3" -> aFirst ? new Reply(200, "{\"choices\": []}", Map.of()) : fair(r);
                default -> fair(r);
            };
        })) {
            JudgeRun run = new PairwiseJudge(config(server.baseUrl(), "max_invalid_retries: 2\n"), ENV)
                    .judge(examples, null);

            assertEquals(4, server.requestsFor("Q0").size(), "one re-ask per order");
            assertEquals(6, server.requestsFor("Q1").size(), "1 + max_invalid_retries asks per order");
            assertEquals(2, server.requestsFor("Q2").size());
            assertEquals(4, server.requestsFor("Q3").size(), "3 malformed asks A first, 1 B first");

            assertEquals(List.of("ex0", "ex2", "ex3"), run.judged().stream().map(ExampleRecord::id).toList());
            assertEquals(1, run.invalid().size());
            JudgeRun.InvalidExample bad = run.invalid().get(0);
            assertEquals("ex1", bad.id());
            assertEquals(2, bad.reasons().size());
            for (String reason : bad.reasons()) {
                assertTrue(reason.contains("no verdict matching"), reason);
                assertTrue(reason.contains("3 attempts"), reason);
            }
            assertTrue(bad.orders().path(0).path("reply").asText().contains("cannot decide"));

            ExampleRecord ex0 = run.judged().get(0);
            assertEquals(1.0, ex0.score(JudgeRun.WIN), EPS);
            assertEquals(2, ex0.extra().path("orders").path(0).path("attempts").asInt());

            ExampleRecord ex3 = run.judged().get(2);
            assertEquals(1, ex3.extra().path("valid_orders").asInt());
            assertEquals(1.0, ex3.score(JudgeRun.WIN), EPS, "the single valid order counts");
            assertEquals(0.0, ex3.score(JudgeRun.CONSISTENT), EPS);
            assertTrue(ex3.extra().path("orders").path(0).path("error").asText()
                    .contains("choices[0].message.content"));

            assertEquals((1 + 0.5 + 1) / 3, run.metrics().get(0).value(), EPS);
            assertEquals(1, run.counts().path("invalid").asInt());
            assertEquals(1, run.counts().path("one_order_only").asInt());
            assertEquals(3, run.counts().path("invalid_orders").asInt());
            TaskSummary s = run.summary("t", "target", "a", null, "b", 0, null, null);
            assertEquals(3, s.examples());
            assertEquals("ex1", s.config().path("invalid").path(0).path("id").asText());
        }
    }

    @Test
    void serverErrorsAreRetriedAndPersistentOnesMakeTheExampleInvalid() throws Exception {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        List<PairwiseExample> examples = List.of(ex(0, true, false), ex(1, true, false));
        try (StubJudgeServer server = new StubJudgeServer(r -> {
            int n = calls.computeIfAbsent(r.question() + r.slotA(), k -> new AtomicInteger()).incrementAndGet();
            if (r.question().equals("Q1")) {
                return Reply.status(500, "{\"error\": \"model crashed\"}");
            }
            return switch (n) {
                case 1 -> Reply.status(500, "{\"error\": \"overloaded\"}");
                case 2 -> new Reply(429, "{\"error\": \"rate limited\"}", Map.of("Retry-After", "0"));
                default -> fair(r);
            };
        })) {
            JudgeRun run = new PairwiseJudge(config(server.baseUrl(), "max_retries: 3\n"), ENV)
                    .judge(examples, null);

            assertEquals(6, server.requestsFor("Q0").size(), "500, 429, then success, per order");
            assertEquals(8, server.requestsFor("Q1").size(), "1 + max_retries per order, not re-asked");
            assertEquals(List.of("ex0"), run.judged().stream().map(ExampleRecord::id).toList());
            assertEquals(1.0, run.judged().get(0).score(JudgeRun.WIN), EPS);
            assertEquals(1, run.judged().get(0).extra().path("orders").path(0).path("attempts").asInt(),
                    "transport retries are not verdict re-asks");
            assertEquals("ex1", run.invalid().get(0).id());
            for (String reason : run.invalid().get(0).reasons()) {
                assertTrue(reason.contains("HTTP 500"), reason);
                assertTrue(reason.contains("gave up after 4 attempts"), reason);
                assertTrue(reason.contains("model crashed"), reason);
            }
        }
    }

    @Test
    void unauthorizedStopsTheRunWithoutTheKey() throws Exception {
        try (StubJudgeServer server = new StubJudgeServer(
                r -> Reply.status(401, "{\"error\": \"invalid api key: " + r.authorization().replace("/", "\\/")
                        + "\"}"))) {
            List<PairwiseExample> examples = List.of(ex(0, true, false), ex(1, false, true), ex(2, true, true));
            JudgeRun run = new PairwiseJudge(config(server.baseUrl(), "max_retries: 3\nconcurrency: 1\n"), ENV)
                    .judge(examples, null);

            assertEquals(1, server.requests().size(), "the first 401 stops the run: no retry, no other request");
            assertTrue(run.judged().isEmpty());
            assertEquals(3, run.invalid().size());
            JudgeRun.InvalidExample first = run.invalid().get(0);
            assertEquals(List.of("HTTP 401", OrderJudgment.NOT_ASKED), first.causes());
            assertTrue(first.reasons().get(0).contains("Bearer ***"), "the echoed key is masked: " + first.reasons());
            assertTrue(first.reasons().get(1).startsWith("not asked: the run stopped early: HTTP 401"),
                    first.reasons().get(1));
            for (JudgeRun.InvalidExample e : run.invalid()) {
                for (String reason : e.reasons()) {
                    assertFalse(SecretRedactorTest.leaks(reason, KEY), reason);
                }
            }
            assertEquals("HTTP 401", run.mainCause());
            String failures = run.failures(3);
            assertTrue(failures.startsWith("3 of 3 examples could not be judged (6 failed orders: 1 HTTP 401, "
                    + "5 not asked); first reason: request failed: HTTP 401"), failures);
            assertTrue(Double.isNaN(run.metrics().get(0).value()), "no judged example, no win rate");
            String summary = EvalResults.JSON.writeValueAsString(
                    run.summary("t", "target", "a", null, "b", 0, null, null));
            assertFalse(SecretRedactorTest.leaks(summary, KEY), summary);

            ChatClient client = new ChatClient(config(server.baseUrl(), ""), ENV);
            ChatException e = assertThrows(ChatException.class, () -> client.complete("s", "u"));
            assertEquals(ChatException.Kind.HTTP_STATUS, e.kind());
            assertEquals(401, e.status());
            assertTrue(e.failsEveryRequest());
            assertFalse(SecretRedactorTest.leaks(e.getMessage(), KEY), e.getMessage());
            assertFalse(client.toString().contains(KEY));
        }
    }

    @Test
    void anUnreachableServerStopsTheRunAfterAFewFailedOrders() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort(); // closed again: connections are refused
        }
        List<PairwiseExample> examples = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            examples.add(ex(i, true, false));
        }
        PairwiseJudge judge = new PairwiseJudge(config("http://127.0.0.1:" + port + "/v1",
                "max_retries: 1\nconcurrency: 1\n"), ENV);
        assertEquals(8, judge.stopAfterFailures());
        JudgeRun run = judge.judge(examples, null);
        assertEquals(6, run.invalid().size());
        Map<String, Integer> byCause = new HashMap<>();
        run.failedOrdersByCause().forEach(en -> byCause.put(en.getKey(), en.getValue()));
        assertEquals(Map.of("transport error", 8, OrderJudgment.NOT_ASKED, 4), byCause,
                "eight orders in a row failed after their retries, the other four were not asked");
        assertEquals("transport error", run.mainCause());
        assertTrue(run.invalid().get(4).reasons().get(0).contains("8 orders in a row failed after every retry"),
                run.invalid().get(4).reasons().get(0));
    }

    @Test
    void earlierVerdictsOfTheSameExamplesAreReusedAndNotAskedAgain() throws Exception {
        List<PairwiseExample> examples = List.of(ex(0, true, false), ex(1, false, true), ex(2, true, true));
        JudgeRun first;
        try (StubJudgeServer server = new StubJudgeServer(r -> r.question().equals("Q1")
                ? Reply.status(500, "{\"error\": \"overloaded\"}") : fair(r))) {
            first = new PairwiseJudge(config(server.baseUrl(), "max_retries: 0\n"), ENV).judge(examples, null);
        }
        assertEquals(List.of("ex0", "ex2"), first.judged().stream().map(ExampleRecord::id).toList());
        assertEquals("HTTP 500", first.mainCause());

        List<PairwiseExample> changed = List.of(examples.get(0), examples.get(1),
                new PairwiseExample("ex2", "Q2", List.of("reference 2"), "good answer 2 of model A",
                        "bad answer 2, regenerated by model B"));
        try (StubJudgeServer server = new StubJudgeServer(PairwiseJudgeTest::fair)) {
            JudgeRun second = new PairwiseJudge(config(server.baseUrl(), ""), ENV).judge(changed, first.judged(),
                    null);
            assertEquals(0, server.requestsFor("Q0").size(), "ex0 was judged before");
            assertEquals(2, server.requestsFor("Q1").size(), "ex1 failed before");
            assertEquals(2, server.requestsFor("Q2").size(), "ex2's answer B changed since");
            assertEquals(1, second.reused());
            assertEquals(1, second.counts().path("reused").asInt());
            assertTrue(second.invalid().isEmpty());
            assertEquals(List.of("ex0", "ex1", "ex2"), second.judged().stream().map(ExampleRecord::id).toList());
            assertEquals(first.judged().get(0), second.judged().get(0));
            assertEquals(1.0, second.judged().get(2).score(JudgeRun.WIN), EPS, "judged anew: good vs bad");
        }
    }

    @Test
    void aJudgeThatAlwaysPicksTheFirstPositionGivesHalfAndNoConsistency() throws Exception {
        List<PairwiseExample> examples = List.of(ex(0, true, false), ex(1, false, true), ex(2, true, true));
        try (StubJudgeServer server = new StubJudgeServer(r -> Reply.verdict("The first one. [[A]]"))) {
            JudgeRun run = new PairwiseJudge(config(server.baseUrl(), ""), ENV).judge(examples, null);
            for (ExampleRecord r : run.judged()) {
                assertEquals(0.5, r.score(JudgeRun.WIN), EPS, r.id());
                assertEquals(0.0, r.score(JudgeRun.CONSISTENT), EPS);
                assertEquals(1.0, r.score(JudgeRun.TIES), EPS, "an inconsistent split counts as a tie");
                assertEquals(0.0, r.score(JudgeRun.TIE), EPS, "but not as an explicit tie");
                assertEquals(0.0, r.score(JudgeRun.A_WINS), EPS);
                assertEquals(0.0, r.score(JudgeRun.B_WINS), EPS);
            }
            assertEquals(0.5, run.metrics().get(0).value(), EPS);
            assertEquals(0.0, metric(run.metrics(), "consistency"), EPS);
        }
        try (StubJudgeServer server = new StubJudgeServer(r -> Reply.verdict("Equally good. [[C]]"))) {
            JudgeRun run = new PairwiseJudge(config(server.baseUrl(), ""), ENV).judge(examples, null);
            for (ExampleRecord r : run.judged()) {
                assertEquals(0.5, r.score(JudgeRun.WIN), EPS);
                assertEquals(1.0, r.score(JudgeRun.TIE), EPS);
                assertEquals(1.0, r.score(JudgeRun.CONSISTENT), EPS);
            }
            assertEquals(3, run.counts().path("explicit_ties").asInt());
        }
    }

    @Test
    void aMissingKeyVariableIsNamedAndNoKeySendsNoHeader() throws Exception {
        try (StubJudgeServer server = new StubJudgeServer(PairwiseJudgeTest::fair)) {
            JudgeConfig cfg = config(server.baseUrl(), "");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new PairwiseJudge(cfg, name -> null));
            assertTrue(e.getMessage().contains("'JUDGE_TEST_KEY'"), e.getMessage());
            assertTrue(e.getMessage().contains("not set"), e.getMessage());
            assertEquals(0, server.requests().size(), "nothing is sent without the key");

            JudgeConfig open = JudgeConfig.parse("base_url: " + server.baseUrl() + "\nmodel: local\n");
            JudgeRun run = new PairwiseJudge(open, name -> {
                throw new AssertionError("no variable is read when api_key_env is not set");
            }).judge(List.of(ex(0, true, false)), null);
            assertEquals(1.0, run.judged().get(0).score(JudgeRun.WIN), EPS);
            assertNull(server.requests().get(0).authorization());
        }
    }

    @Test
    void duplicateIdsAreRejected() throws Exception {
        JudgeConfig cfg = JudgeConfig.parse("base_url: http://127.0.0.1:9/v1\nmodel: m\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PairwiseJudge(cfg,
                name -> null).judge(List.of(ex(0, true, true), ex(0, false, false)), null));
        assertTrue(e.getMessage().contains("'ex0'"), e.getMessage());
    }

    static double metric(List<MetricResult> metrics, String name) {
        return metrics.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow().value();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
