package dev.semgrpo.eval.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.data.TaskData;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.NonFiniteLogitsException;
import dev.semgrpo.model.nn.CausalLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Multiple choice by log-likelihood, as lm-evaluation-harness scores it: each choice is a continuation
 * ({@code target_delimiter + choice_template}) of the prompt; its log-likelihood is the sum of its tokens' log-probs,
 * where the continuation's tokens are those of {@code encode(context + continuation)} after the first
 * {@code len(encode(context))}. {@code acc}: the most likely choice is the gold one. {@code acc_norm}: the same after
 * dividing each log-likelihood by the choice's length in characters.
 */
public final class MultipleChoiceTask {
    private MultipleChoiceTask() {
    }

    /** The (context, continuation) token split of lm-evaluation-harness: trailing spaces move to the continuation. */
    static int[][] split(Prompts prompts, String context, String continuation) {
        int n = context.length() - context.stripTrailing().length();
        if (n > 0) {
            continuation = context.substring(context.length() - n) + continuation;
            context = context.substring(0, context.length() - n);
        }
        int[] whole = prompts.encode(context + continuation);
        int[] ctx = prompts.encode(context);
        int cut = Math.min(ctx.length, whole.length - 1);
        return new int[][] {Arrays.copyOfRange(whole, 0, cut), Arrays.copyOfRange(whole, cut, whole.length)};
    }

    public static TaskOutcome run(String task, TaskConfig config, List<TaskExample> examples, Prompts prompts,
            EvalContext ctx) {
        TaskConfig.MultipleChoice mc = config.multipleChoice() == null
                ? new TaskConfig.MultipleChoice(null, null, null) : config.multipleChoice();
        String delimiter = mc.targetDelimiter() == null ? " " : mc.targetDelimiter();
        String choiceTemplate = mc.choiceTemplate() == null ? "{choice}" : mc.choiceTemplate();
        int batch = mc.batchSize() == null ? 16 : mc.batchSize();
        CausalLM model = ctx.model();

        // one row per (example, choice)
        List<int[]> rowPrompt = new ArrayList<>();
        List<int[]> rowCont = new ArrayList<>();
        List<String> contexts = new ArrayList<>();
        List<String> written = new ArrayList<>(); // each choice as its continuation writes it (for acc_norm)
        int truncated = 0;
        for (int i = 0; i < examples.size(); i++) {
            TaskExample e = examples.get(i);
            String context = prompts.text(e, i);
            contexts.add(context);
            for (int c = 0; c < e.choices().size(); c++) {
                Map<String, String> vars = new HashMap<>(e.vars());
                vars.put("choice", e.choices().get(c));
                vars.put("letter", TaskData.letter(c));
                String choiceText = Prompts.fill(choiceTemplate, vars, task, "multiple_choice.choice_template");
                written.add(choiceText);
                String cont = delimiter + choiceText;
                int[][] pc = split(prompts, context, cont);
                int over = pc[0].length + pc[1].length - model.maxPositions();
                if (over > 0) {
                    if (over >= pc[0].length) {
                        throw new IllegalArgumentException("task '" + task + "', example '" + e.id() + "': choice "
                                + c + " alone has " + pc[1].length + " tokens, more than max_position_embeddings="
                                + model.maxPositions());
                    }
                    pc[0] = Arrays.copyOfRange(pc[0], over, pc[0].length); // keep the end of the context
                    truncated++;
                }
                rowPrompt.add(pc[0]);
                rowCont.add(pc[1]);
            }
        }
        double[] ll = new double[rowPrompt.size()];
        ctx.progress().start(task, examples.size());
        int[] rowsBefore = new int[examples.size() + 1];
        for (int i = 0; i < examples.size(); i++) {
            rowsBefore[i + 1] = rowsBefore[i] + examples.get(i).choices().size();
        }
        int doneExamples = 0;
        for (int start = 0; start < ll.length; start += batch) {
            int end = Math.min(ll.length, start + batch);
            try (NDManager m = model.manager().newSubManager()) {
                LogProbScorer.Scores s = LogProbScorer.score(model, m, rowPrompt.subList(start, end),
                        rowCont.subList(start, end), 1.0, false);
                NDArray sums = s.logprobs().mul(s.mask()).sum(new int[] {1});
                float[] v = sums.toFloatArray();
                for (int r = 0; r < v.length; r++) {
                    if (!Float.isFinite(v[r])) {
                        int row = start + r;
                        int ex = 0;
                        while (rowsBefore[ex + 1] <= row) {
                            ex++;
                        }
                        throw NonFiniteLogitsException.diagnose(model, "scoring task '" + task + "', example '"
                                + examples.get(ex).id() + "', choice " + (row - rowsBefore[ex]), rowPrompt.get(row),
                                rowCont.get(row));
                    }
                    ll[start + r] = v[r];
                }
            }
            while (doneExamples < examples.size() && rowsBefore[doneExamples + 1] <= end) {
                doneExamples++;
            }
            ctx.progress().update(doneExamples);
        }

        List<ExampleRecord> records = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            TaskExample e = examples.get(i);
            int k = e.choices().size();
            int best = 0;
            int bestNorm = 0;
            double[] lls = Arrays.copyOfRange(ll, rowsBefore[i], rowsBefore[i] + k);
            for (int c = 1; c < k; c++) {
                if (lls[c] > lls[best]) {
                    best = c;
                }
                int r = rowsBefore[i];
                if (lls[c] / len(written.get(r + c)) > lls[bestNorm] / len(written.get(r + bestNorm))) {
                    bestNorm = c;
                }
            }
            ObjectNode extra = JsonNodeFactory.instance.objectNode();
            ArrayNode a = extra.putArray("loglikelihoods");
            for (double x : lls) {
                a.add(x);
            }
            extra.put("label", e.label());
            extra.put("prediction", best);
            extra.put("prediction_norm", bestNorm);
            ArrayNode choices = extra.putArray("choices");
            e.choices().forEach(choices::add);
            records.add(new ExampleRecord(e.id(), contexts.get(i), e.choices().get(best),
                    List.of(e.choices().get(e.label())),
                    Map.of("acc", best == e.label() ? 1.0 : 0.0, "acc_norm", bestNorm == e.label() ? 1.0 : 0.0),
                    null, null, extra));
        }
        Aggregate acc = new Aggregate.Mean("acc");
        Aggregate accNorm = new Aggregate.Mean("acc_norm");
        ObjectNode notes = JsonNodeFactory.instance.objectNode();
        notes.put("truncated_contexts", truncated);
        return new TaskOutcome(records, List.of(
                new MetricResult("acc", acc.compute(records), acc, true, null),
                new MetricResult("acc_norm", accNorm.compute(records), accNorm, true, null)), notes);
    }

    /** Length in characters (code points), at least 1. */
    private static int len(String s) {
        return Math.max(1, s.codePointCount(0, s.length()));
    }
}
