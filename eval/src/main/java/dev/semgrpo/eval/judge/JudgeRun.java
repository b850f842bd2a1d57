package dev.semgrpo.eval.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.results.TaskSummary;
import dev.semgrpo.model.io.Plural;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The outcome of a pairwise judge run, split in two: {@code judged} holds one record per example with at least one
 * valid order, each with every score key below (so every {@link Aggregate.Mean} metric works on it and a report can
 * bootstrap it); {@code invalid} holds the examples whose two orders both failed, with the reasons. Only
 * {@code judged} goes to {@code examples.jsonl}; the invalid examples and the counts go to the summary's config.
 *
 * <p>Per-example scores, all from model A's point of view:
 * <ul>
 *   <li>{@code win}: mean over the valid orders of 1 (A better), 0.5 (tie), 0 (B better)
 *   <li>{@code a_wins} / {@code b_wins} / {@code ties}: 1 when {@code win} is above / below / exactly 0.5; these
 *       three partition the judged examples, and a position-inconsistent split (A in one order, B in the other)
 *       counts as a tie, as in MT-Bench
 *   <li>{@code tie}: 1 when every valid order's verdict was an explicit tie ([[C]])
 *   <li>{@code consistent}: 1 when both orders are valid and favour the same model (or both say tie); an example
 *       with one valid order is not shown to be consistent and gets 0
 * </ul>
 *
 * @param judged records of the examples with at least one valid order, in input order
 * @param invalid examples with no valid order, in input order
 * @param total examples given to the judge
 * @param reused judged examples whose records came from an earlier run (not asked again)
 */
public record JudgeRun(List<ExampleRecord> judged, List<InvalidExample> invalid, int total, int reused) {
    public static final String WIN = "win";
    public static final String A_WINS = "a_wins";
    public static final String B_WINS = "b_wins";
    public static final String TIES = "ties";
    public static final String TIE = "tie";
    public static final String CONSISTENT = "consistent";

    public JudgeRun {
        judged = List.copyOf(judged);
        invalid = List.copyOf(invalid);
    }

    /** The share of the examples that could not be judged, 0..1 (0 for no examples). */
    public double invalidFraction() {
        return total == 0 ? 0 : (double) invalid.size() / total;
    }

    /**
     * What failed, for an error message: how many examples could not be judged and their failed orders by cause,
     * most frequent first, then the first {@code shown} distinct reasons, e.g. {@code "6 of 6 example(s) could not
     * be judged (12 failed orders: 2 HTTP 401, 10 not asked); first reason: request failed: HTTP 401 ..."}.
     */
    public String failures(int shown) {
        Set<String> reasons = new LinkedHashSet<>();
        for (InvalidExample e : invalid) {
            for (int i = 0; i < e.reasons().size() && reasons.size() < shown; i++) {
                if (!OrderJudgment.NOT_ASKED.equals(e.causes().get(i))) {
                    reasons.add(e.reasons().get(i));
                }
            }
        }
        List<Map.Entry<String, Integer>> sorted = failedOrdersByCause();
        int orders = sorted.stream().mapToInt(Map.Entry::getValue).sum();
        StringBuilder sb = new StringBuilder();
        sb.append(invalid.size()).append(" of ").append(Plural.of(total, "example")).append(" could not be judged (")
                .append(Plural.of(orders, "failed order")).append(": ");
        for (int i = 0; i < sorted.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(sorted.get(i).getValue()).append(' ').append(sorted.get(i).getKey());
        }
        sb.append(')');
        int i = 0;
        for (String r : reasons) {
            sb.append(i++ == 0 ? "; first reason: " : "; then: ").append(r);
        }
        return sb.toString();
    }

    /**
     * The orders of the invalid examples counted by cause, most frequent first (ties in order of appearance), with
     * {@value OrderJudgment#NOT_ASKED} last: it is the consequence of a stop, not a cause.
     */
    public List<Map.Entry<String, Integer>> failedOrdersByCause() {
        Map<String, Integer> byCause = new LinkedHashMap<>();
        for (InvalidExample e : invalid) {
            e.causes().forEach(c -> byCause.merge(c, 1, Integer::sum));
        }
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(byCause.entrySet());
        sorted.sort(Comparator.<Map.Entry<String, Integer>, Boolean>comparing(en -> OrderJudgment.NOT_ASKED.equals(
                en.getKey())).thenComparing(Map.Entry.<String, Integer>comparingByValue().reversed()));
        return sorted;
    }

    /**
     * The most frequent cause of the invalid examples' failed orders, not counting {@value OrderJudgment#NOT_ASKED};
     * "" when there is none.
     */
    public String mainCause() {
        return failedOrdersByCause().stream().map(Map.Entry::getKey).filter(c -> !OrderJudgment.NOT_ASKED.equals(c))
                .findFirst().orElse("");
    }

    /**
     * An example that the judge gave no verdict for in either order.
     *
     * @param id the example's id
     * @param input the question
     * @param reasons why each order failed (A first, then B first)
     * @param causes each order's short cause ({@link OrderJudgment#cause()}), in the same order
     * @param orders both orders' judgements as JSON (replies included)
     */
    public record InvalidExample(String id, String input, List<String> reasons, List<String> causes,
            JsonNode orders) {
        public InvalidExample {
            reasons = List.copyOf(reasons);
            causes = List.copyOf(causes);
            if (reasons.size() != causes.size()) {
                throw new IllegalArgumentException("example '" + id + "': " + reasons.size() + " reasons but "
                        + causes.size() + " causes");
            }
        }
    }

    /**
     * The task's metrics over {@code judged}, primary first: {@code win_rate} (mean of {@code win}, 0..1),
     * {@code a_win_rate}, {@code b_win_rate}, {@code tie_rate} and {@code consistency} (means of the 0/1
     * indicators). NaN when no example was judged.
     */
    public List<MetricResult> metrics() {
        List<MetricResult> out = new ArrayList<>();
        out.add(metric("win_rate", WIN, true));
        out.add(metric("a_win_rate", A_WINS, true));
        out.add(metric("b_win_rate", B_WINS, false));
        out.add(metric("tie_rate", TIES, false));
        out.add(metric("consistency", CONSISTENT, true));
        return out;
    }

    private MetricResult metric(String name, String score, boolean higherIsBetter) {
        Aggregate agg = new Aggregate.Mean(score);
        return new MetricResult(name, agg.compute(judged), agg, higherIsBetter, null);
    }

    /**
     * Counts: {@code examples} (given), {@code judged}, {@code invalid}, {@code a_wins}, {@code b_wins},
     * {@code ties}, {@code explicit_ties}, {@code consistent}, {@code one_order_only} (judged with a single valid
     * order), {@code invalid_orders} (failed orders, in judged and invalid examples) and {@code reused} (judged
     * examples whose verdicts came from an earlier run into the same folder).
     */
    public ObjectNode counts() {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("examples", total);
        c.put("judged", judged.size());
        c.put("invalid", invalid.size());
        c.put("a_wins", sum(A_WINS));
        c.put("b_wins", sum(B_WINS));
        c.put("ties", sum(TIES));
        c.put("explicit_ties", sum(TIE));
        c.put("consistent", sum(CONSISTENT));
        int oneOrder = 0;
        for (ExampleRecord r : judged) {
            if (r.extra() != null && r.extra().path("valid_orders").asInt(2) == 1) {
                oneOrder++;
            }
        }
        c.put("one_order_only", oneOrder);
        c.put("invalid_orders", oneOrder + 2 * invalid.size());
        c.put("reused", reused);
        return c;
    }

    private int sum(String score) {
        double s = 0;
        for (ExampleRecord r : judged) {
            s += r.score(score);
        }
        return (int) Math.round(s);
    }

    /**
     * The task summary to write next to {@code judged} (with {@code EvalResults.write(run, summary, judged())}):
     * type "judge", {@code examples} = judged examples (the lines of examples.jsonl), the metrics above, and as
     * config an object {@code {"task": taskConfig, "judge": judgeConfig, "status": ..., "counts": counts(),
     * "invalid": [...]}}, where status is "complete" when every example was judged and "partial" otherwise.
     *
     * @param model model A (whose answers are {@code output}); {@code reference} names model B, the baseline
     */
    public TaskSummary summary(String task, String category, String model, String adapter, String reference,
            double seconds, JsonNode taskConfig, JudgeConfig judgeConfig) {
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        if (taskConfig != null) {
            config.set("task", taskConfig);
        }
        if (judgeConfig != null) {
            config.set("judge", judgeConfig.toJson());
        }
        config.put("status", invalid.isEmpty() ? "complete" : "partial");
        config.set("counts", counts());
        ArrayNode inv = config.putArray("invalid");
        for (InvalidExample e : invalid) {
            ObjectNode n = inv.addObject();
            n.put("id", e.id());
            n.put("input", e.input());
            ArrayNode reasons = n.putArray("reasons");
            e.reasons().forEach(reasons::add);
            ArrayNode causes = n.putArray("causes");
            e.causes().forEach(causes::add);
            n.set("orders", e.orders());
        }
        return new TaskSummary(task, "judge", category, judged.size(), model, adapter, reference, metrics(), seconds,
                config);
    }
}
