package dev.semgrpo.eval.judge;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The judge's verdict on one example in one order.
 *
 * @param aFirst true when model A's answer was shown as assistant A, false when it was shown as assistant B
 * @param label the label the judge gave ("A", "B" or "C"), or null when invalid
 * @param winner the label mapped back to the models, or null when invalid
 * @param reply the judge's last reply, or null when no reply came
 * @param error why the order is invalid, or null when valid
 * @param cause a short name of why the order is invalid, for counts ("HTTP 401", "transport error", "no verdict",
 *     "malformed reply", {@value #NOT_ASKED}), or null when valid
 * @param attempts requests asked for this order (1 + re-asks after malformed replies; 0 when not asked)
 */
public record OrderJudgment(boolean aFirst, String label, Winner winner, String reply, String error, String cause,
        int attempts) {
    /** The cause of an order that was not asked because the run stopped early. */
    public static final String NOT_ASKED = "not asked";

    /** Which model a verdict favours. */
    public enum Winner {
        A, B, TIE
    }

    /** An order that was not asked because the run stopped for {@code why}. */
    public static OrderJudgment notAsked(boolean aFirst, String why) {
        return new OrderJudgment(aFirst, null, null, null, "not asked: the run stopped early: " + why, NOT_ASKED, 0);
    }

    /** True when a verdict was read from the reply. */
    public boolean valid() {
        return winner != null;
    }

    /** 1 when model A won, 0.5 for a tie, 0 when model B won. */
    public double scoreForA() {
        if (winner == null) {
            throw new IllegalStateException("an invalid order has no score");
        }
        return switch (winner) {
            case A -> 1.0;
            case TIE -> 0.5;
            case B -> 0.0;
        };
    }

    /** Maps a judge label ("A", "B", "C") seen in the given order to the model it favours. */
    public static Winner winnerOf(String label, boolean aFirst) {
        return switch (label) {
            case "A" -> aFirst ? Winner.A : Winner.B;
            case "B" -> aFirst ? Winner.B : Winner.A;
            case "C" -> Winner.TIE;
            default -> throw new IllegalArgumentException("verdict label must be A, B or C, found '" + label + "'");
        };
    }

    /** This judgement as JSON: order, label, winner, score, attempts, reply, error, cause (absent keys when null). */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("order", aFirst ? "a_first" : "b_first");
        if (valid()) {
            n.put("label", label);
            n.put("winner", winner.name().toLowerCase());
            n.put("score", scoreForA());
        }
        n.put("attempts", attempts);
        if (reply != null) {
            n.put("reply", reply);
        }
        if (error != null) {
            n.put("error", error);
            n.put("cause", cause);
        }
        return n;
    }
}
