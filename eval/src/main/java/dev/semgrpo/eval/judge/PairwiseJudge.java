package dev.semgrpo.eval.judge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.SecretRedactor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pairwise LLM-as-judge with a reference answer (MT-Bench's pairwise comparison). Each example is judged twice, once
 * with model A's answer shown as assistant A and once with it shown as assistant B, so that a judge's preference
 * for a position cancels out. Per order a verdict scores 1 (A better), 0.5 (tie) or 0 (B better) for model A; the
 * example's {@code win} is the mean over its valid orders. An order is invalid when its reply still has no verdict
 * after {@code max_invalid_retries} re-asks, or when its request fails (a non-retried HTTP status, or the retries of
 * transport errors, 429 and 5xx ran out); an example with both orders invalid is set aside in
 * {@link JudgeRun#invalid()} and left out of the win rate. A run stops asking early when a failure would repeat for
 * every request (see {@link #judge(List, List, BiConsumer)}). Results come back in input order whatever the
 * concurrency.
 */
public final class PairwiseJudge {
    private final JudgeConfig config;
    private final ChatClient client;
    private final Pattern verdict;

    /**
     * A judge for {@code config}'s endpoint.
     *
     * @param env environment lookup for {@code api_key_env} ({@code System::getenv} in production)
     * @throws IllegalArgumentException when the API key variable is unset (the message names it)
     */
    public PairwiseJudge(JudgeConfig config, Function<String, String> env) {
        this(config, new ChatClient(config, env));
    }

    /** A judge that sends its requests through {@code client}. */
    public PairwiseJudge(JudgeConfig config, ChatClient client) {
        this.config = config;
        this.client = client;
        this.verdict = config.verdictRegex();
    }

    /** The configuration. */
    public JudgeConfig config() {
        return config;
    }

    /** Masks the API key in anything written or printed about this judge's requests. */
    public SecretRedactor redactor() {
        return client.redactor();
    }

    /**
     * Judges every example in both orders, {@code concurrency} requests at a time. Same as
     * {@link #judge(List, List, BiConsumer)} with no earlier verdicts.
     */
    public JudgeRun judge(List<PairwiseExample> examples, BiConsumer<Integer, Integer> progress)
            throws InterruptedException {
        return judge(examples, List.of(), progress);
    }

    /**
     * Judges every example in both orders, {@code concurrency} requests at a time, reusing the records of
     * {@code earlier} (a previous run's judged examples) whose id, question, references and both answers are this
     * example's, so a rerun asks only for the rest. The run stops asking early, and the examples not asked yet
     * become invalid with the cause {@value OrderJudgment#NOT_ASKED}, when a request fails in a way every request
     * would (HTTP 401, 403 or 404), or when {@link #stopAfterFailures()} orders in a row failed their requests after
     * every retry (the server is down).
     *
     * @param progress called with (examples done, examples to ask) after each asked example's second order
     *     finishes, one call at a time and with increasing counts, from a worker thread; may be null
     * @throws IllegalArgumentException when two examples share an id
     * @throws InterruptedException when interrupted; requests in flight are abandoned
     */
    public JudgeRun judge(List<PairwiseExample> examples, List<ExampleRecord> earlier,
            BiConsumer<Integer, Integer> progress) throws InterruptedException {
        Set<String> ids = new HashSet<>();
        for (PairwiseExample e : examples) {
            if (!ids.add(e.id())) {
                throw new IllegalArgumentException("two pairwise examples share the id '" + e.id() + "'; ids must "
                        + "be unique to pair verdicts with examples");
            }
        }
        Map<String, ExampleRecord> reusable = new HashMap<>();
        for (ExampleRecord r : earlier) {
            reusable.put(r.id(), r);
        }
        int n = examples.size();
        ExampleRecord[] reused = new ExampleRecord[n];
        List<Integer> toAsk = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ExampleRecord r = reusable.get(examples.get(i).id());
            if (r != null && sameExample(r, examples.get(i))) {
                reused[i] = r;
            } else {
                toAsk.add(i);
            }
        }
        OrderJudgment[] results = new OrderJudgment[2 * n]; // (example, order): index 2 * i + (aFirst ? 0 : 1)
        askAll(examples, toAsk, results, progress);
        List<ExampleRecord> judged = new ArrayList<>();
        List<JudgeRun.InvalidExample> invalid = new ArrayList<>();
        int reusedCount = 0;
        for (int i = 0; i < n; i++) {
            PairwiseExample e = examples.get(i);
            if (reused[i] != null) {
                judged.add(reused[i]);
                reusedCount++;
                continue;
            }
            OrderJudgment first = results[2 * i];
            OrderJudgment second = results[2 * i + 1];
            if (!first.valid() && !second.valid()) {
                ArrayNode orders = JsonNodeFactory.instance.arrayNode().add(first.toJson()).add(second.toJson());
                invalid.add(new JudgeRun.InvalidExample(e.id(), e.question(), List.of(first.error(), second.error()),
                        List.of(first.cause(), second.cause()), orders));
            } else {
                judged.add(record(e, first, second));
            }
        }
        return new JudgeRun(judged, invalid, n, reusedCount);
    }

    /** Orders in a row whose requests failed after every retry before a run stops: twice the concurrency, >= 8. */
    public int stopAfterFailures() {
        return Math.max(8, 2 * config.concurrency());
    }

    /** Asks both orders of the examples {@code toAsk}, filling {@code results}. */
    private void askAll(List<PairwiseExample> examples, List<Integer> toAsk, OrderJudgment[] results,
            BiConsumer<Integer, Integer> progress) throws InterruptedException {
        int n = toAsk.size();
        AtomicInteger[] pending = new AtomicInteger[examples.size()];
        StopSwitch stop = new StopSwitch(stopAfterFailures());
        Object progressLock = new Object();
        int[] done = {0};
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(config.concurrency(), 2 * n)), r -> {
            Thread t = new Thread(r, "judge-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>(2 * n);
            for (int ex : toAsk) {
                pending[ex] = new AtomicInteger(2);
                for (int o = 0; o < 2; o++) {
                    boolean aFirst = o == 0;
                    futures.add(pool.submit(() -> {
                        String stopped = stop.reason();
                        results[2 * ex + (aFirst ? 0 : 1)] = stopped != null ? OrderJudgment.notAsked(aFirst, stopped)
                                : judgeOrder(examples.get(ex), aFirst, stop);
                        if (pending[ex].decrementAndGet() == 0 && progress != null) {
                            synchronized (progressLock) {
                                progress.accept(++done[0], n);
                            }
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof InterruptedException ie) {
                        throw ie;
                    }
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(c);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** True when {@code r} judged this very example: the same id, question, references and both answers. */
    static boolean sameExample(ExampleRecord r, PairwiseExample e) {
        return r.id().equals(e.id()) && r.input().equals(e.question()) && r.output().equals(e.answerA())
                && r.references().equals(e.references()) && r.extra() != null
                && r.extra().path("answer_b").isTextual() && r.extra().path("answer_b").asText().equals(e.answerB());
    }

    /**
     * When a run stops asking: at the first request failure that every request would share, or after
     * {@code limit} orders in a row whose requests failed; any reply from the server resets the count.
     */
    private static final class StopSwitch {
        private final int limit;
        private final AtomicInteger failedInARow = new AtomicInteger();
        private final AtomicReference<String> reason = new AtomicReference<>();

        StopSwitch(int limit) {
            this.limit = limit;
        }

        /** Why the run stopped, or null while it goes on. */
        String reason() {
            return reason.get();
        }

        void answered() {
            failedInARow.set(0);
        }

        void failed(ChatException e) {
            if (e.failsEveryRequest()) {
                reason.compareAndSet(null, e.cause() + ", which every request would get: " + e.getMessage());
            } else if (failedInARow.incrementAndGet() >= limit) {
                reason.compareAndSet(null, limit + " orders in a row failed after every retry; the last: "
                        + e.getMessage());
            }
        }
    }

    /** One order of one example: ask, and ask again while the reply has no verdict, within the budget. */
    OrderJudgment judgeOrder(PairwiseExample e, boolean aFirst, StopSwitch stop) throws InterruptedException {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("question", e.question());
        values.put("reference", formatReferences(e.references()));
        values.put("answer_a", aFirst ? e.answerA() : e.answerB());
        values.put("answer_b", aFirst ? e.answerB() : e.answerA());
        String user = render(config.userPrompt(), values);
        int budget = config.maxInvalidRetries() + 1;
        String reply = null;
        String reason = null;
        String cause = null;
        for (int attempt = 1; attempt <= budget; attempt++) {
            try {
                reply = client.complete(config.systemPrompt(), user);
                stop.answered();
            } catch (ChatException ex) {
                if (ex.kind() != ChatException.Kind.MALFORMED_REPLY) {
                    stop.failed(ex);
                    return new OrderJudgment(aFirst, null, null, null, "request failed: " + ex.getMessage(),
                            ex.cause(), attempt);
                }
                stop.answered();
                reply = null;
                reason = ex.getMessage();
                cause = ex.cause();
                continue;
            }
            String label = parseVerdict(verdict, reply);
            if (label != null) {
                return new OrderJudgment(aFirst, label, OrderJudgment.winnerOf(label, aFirst), reply, null, null,
                        attempt);
            }
            reason = "no verdict matching " + verdict.pattern() + " (label A, B or C) in the reply: "
                    + excerpt(reply);
            cause = "no verdict";
        }
        return new OrderJudgment(aFirst, null, null, reply, "malformed after " + Plural.of(budget, "attempt") + " "
                + "(max_invalid_retries=" + config.maxInvalidRetries() + "): " + reason, cause, budget);
    }

    private static ExampleRecord record(PairwiseExample e, OrderJudgment first, OrderJudgment second) {
        List<OrderJudgment> valid = new ArrayList<>(2);
        for (OrderJudgment o : new OrderJudgment[] {first, second}) {
            if (o.valid()) {
                valid.add(o);
            }
        }
        double win = valid.stream().mapToDouble(OrderJudgment::scoreForA).average().orElseThrow();
        boolean consistent = valid.size() == 2 && first.winner() == second.winner();
        boolean explicitTie = valid.stream().allMatch(o -> o.winner() == OrderJudgment.Winner.TIE);
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put(JudgeRun.WIN, win);
        scores.put(JudgeRun.A_WINS, win > 0.5 ? 1.0 : 0.0);
        scores.put(JudgeRun.B_WINS, win < 0.5 ? 1.0 : 0.0);
        scores.put(JudgeRun.TIES, win == 0.5 ? 1.0 : 0.0);
        scores.put(JudgeRun.TIE, explicitTie ? 1.0 : 0.0);
        scores.put(JudgeRun.CONSISTENT, consistent ? 1.0 : 0.0);
        ObjectNode extra = JsonNodeFactory.instance.objectNode();
        extra.put("answer_b", e.answerB());
        extra.put("valid_orders", valid.size());
        extra.putArray("orders").add(first.toJson()).add(second.toJson());
        return new ExampleRecord(e.id(), e.question(), e.answerA(), e.references(), scores, null, null, extra);
    }

    /**
     * The label (group 1 of the last match of {@code pattern} in {@code reply}, trimmed and upper-cased) when it is
     * A, B or C; else null.
     */
    public static String parseVerdict(Pattern pattern, String reply) {
        if (reply == null) {
            return null;
        }
        Matcher m = pattern.matcher(reply);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last == null) {
            return null;
        }
        last = last.strip().toUpperCase(Locale.ROOT);
        return switch (last) {
            case "A", "B", "C" -> last;
            default -> null;
        };
    }

    /**
     * Replaces each {@code {name}} of {@code values} in one pass, so text inside a value (an answer that contains
     * "{answer_b}") is never substituted again; other braces are left as they are.
     */
    public static String render(String template, Map<String, String> values) {
        StringBuilder out = new StringBuilder(template.length() + 256);
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{') {
                int close = template.indexOf('}', i + 1);
                if (close > 0) {
                    String value = values.get(template.substring(i + 1, close));
                    if (value != null) {
                        out.append(value);
                        i = close + 1;
                        continue;
                    }
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /** One reference as is; several numbered "Reference 1:", ...; none as "(no reference answer)". */
    public static String formatReferences(List<String> references) {
        if (references.isEmpty()) {
            return "(no reference answer)";
        }
        if (references.size() == 1) {
            return references.get(0);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < references.size(); i++) {
            if (i > 0) {
                sb.append("\n\n");
            }
            sb.append("Reference ").append(i + 1).append(":\n").append(references.get(i));
        }
        return sb.toString();
    }

    private static String excerpt(String text) {
        String t = text.replaceAll("\\s+", " ").strip();
        if (t.isEmpty()) {
            return "(empty reply)";
        }
        return t.length() <= 200 ? t : "..." + t.substring(t.length() - 200);
    }
}
