package dev.semgrpo.eval.judge;

import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.model.io.Plural;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One question with the answers of the two models being compared.
 *
 * @param id the example's id (the same in both models' results)
 * @param question the question or input shown to the judge
 * @param references reference answer(s); may be empty
 * @param answerA model A's answer (the model whose win rate is measured)
 * @param answerB model B's answer (the baseline)
 */
public record PairwiseExample(String id, String question, List<String> references, String answerA, String answerB) {
    public PairwiseExample {
        if (id == null) {
            throw new IllegalArgumentException("a pairwise example needs an id");
        }
        if (answerA == null || answerB == null) {
            throw new IllegalArgumentException("pairwise example '" + id + "' lacks answer "
                    + (answerA == null ? "A" : "B"));
        }
        question = question == null ? "" : question;
        references = references == null ? List.of() : List.copyOf(references);
    }

    /**
     * Pairs two models' results of the same task by example id, in A's order: the question and references are A's
     * record's input and references, the answers both records' outputs.
     *
     * @throws IllegalArgumentException when an id is duplicated or found in only one of the two lists (the message
     *     names up to five such ids)
     */
    public static List<PairwiseExample> pair(List<ExampleRecord> a, List<ExampleRecord> b) {
        Map<String, ExampleRecord> byId = new HashMap<>();
        for (ExampleRecord r : b) {
            if (byId.put(r.id(), r) != null) {
                throw new IllegalArgumentException("model B's results hold example id '" + r.id() + "' twice");
            }
        }
        List<PairwiseExample> out = new ArrayList<>(a.size());
        List<String> onlyA = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ExampleRecord r : a) {
            if (!seen.add(r.id())) {
                throw new IllegalArgumentException("model A's results hold example id '" + r.id() + "' twice");
            }
            ExampleRecord rb = byId.get(r.id());
            if (rb == null) {
                onlyA.add(r.id());
            } else {
                out.add(new PairwiseExample(r.id(), r.input(), r.references(), r.output(), rb.output()));
            }
        }
        List<String> onlyB = b.stream().map(ExampleRecord::id).filter(id -> !seen.contains(id)).toList();
        if (!onlyA.isEmpty() || !onlyB.isEmpty()) {
            throw new IllegalArgumentException("the two results do not cover the same examples: "
                    + Plural.of(onlyA.size(), "id") + " only in A " + onlyA.subList(0, Math.min(5, onlyA.size()))
                    + ", " + onlyB.size()
                    + " only in B " + onlyB.subList(0, Math.min(5, onlyB.size())) + "; evaluate both models on the "
                    + "same task data and limit");
        }
        return out;
    }
}
