package dev.semgrpo.eval.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.data.TaskData;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.shard.Block;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.eval.shard.Slice;
import dev.semgrpo.model.generate.GenerationBackend;
import dev.semgrpo.model.generate.NonFiniteLogitsException;
import dev.semgrpo.model.io.Plural;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

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

    /** The row of each example's first choice: example i's choices are rows {@code rows[i] .. rows[i + 1] - 1}. */
    private static int[] firstRows(List<TaskExample> examples) {
        int[] rows = new int[examples.size() + 1];
        for (int i = 0; i < examples.size(); i++) {
            rows[i + 1] = Math.addExact(rows[i], examples.get(i).choices().size());
        }
        return rows;
    }

    private static int batchSize(TaskConfig config) {
        return config.multipleChoice() == null || config.multipleChoice().batchSize() == null ? 16
                : config.multipleChoice().batchSize();
    }

    /**
     * The task's blocks: runs of consecutive examples whose first choice row falls in the same batch of
     * {@code multiple_choice.batch_size} rows. Batches are cut by rows, so an example can reach into the next batch;
     * the shard of its block then scores that batch too, whole, so that every row's log-likelihood comes from the
     * same batch as in the unsharded run.
     */
    public static List<Block> blocks(TaskConfig config, List<TaskExample> examples) {
        int batch = batchSize(config);
        int[] rows = firstRows(examples);
        List<Block> out = new ArrayList<>();
        int from = 0;
        for (int i = 1; i <= examples.size(); i++) {
            if (i == examples.size() || rows[i] / batch != rows[from] / batch) {
                out.add(new Block(from, i));
                from = i;
            }
        }
        return out;
    }

    /**
     * Scores the shard's blocks of {@code examples} (all of the task's examples; {@link Shard#WHOLE} evaluates every
     * one).
     */
    public static TaskOutcome run(String task, TaskConfig config, List<TaskExample> examples, Shard shard,
            Prompts prompts, EvalContext ctx) throws IOException {
        TaskConfig.MultipleChoice mc = config.multipleChoice() == null
                ? new TaskConfig.MultipleChoice(null, null, null) : config.multipleChoice();
        String delimiter = mc.targetDelimiter() == null ? " " : mc.targetDelimiter();
        String choiceTemplate = mc.choiceTemplate() == null ? "{choice}" : mc.choiceTemplate();
        int batch = batchSize(config);
        GenerationBackend backend = ctx.backend();
        int maxPositions = backend.maxPositions();
        Slice slice = shard.slice(examples.size(), blocks(config, examples));
        int[] owned = slice.indices();
        boolean[] isOwned = new boolean[examples.size()];
        for (int i : owned) {
            isOwned[i] = true;
        }

        // one row per (example, choice), in task order; batch k holds rows k * batch .. (k + 1) * batch - 1
        int[] rowsBefore = firstRows(examples);
        int rowCount = rowsBefore[examples.size()];
        int[] exampleOfRow = new int[rowCount];
        for (int i = 0; i < examples.size(); i++) {
            Arrays.fill(exampleOfRow, rowsBefore[i], rowsBefore[i + 1], i);
        }
        TreeSet<Integer> batches = new TreeSet<>(); // the batches holding a row of an owned example
        for (int i : owned) {
            for (int k = rowsBefore[i] / batch; k * batch < rowsBefore[i + 1]; k++) {
                batches.add(k);
            }
        }
        int[][] rowPrompt = new int[rowCount][];
        int[][] rowCont = new int[rowCount][];
        String[] contexts = new String[examples.size()];
        String[] written = new String[rowCount]; // each choice as its continuation writes it (for acc_norm)
        int truncated = 0;
        for (int k : batches) {
            int last = exampleOfRow[Math.min(rowCount, (k + 1) * batch) - 1];
            for (int i = exampleOfRow[k * batch]; i <= last; i++) {
                if (contexts[i] != null) {
                    continue;
                }
                TaskExample e = examples.get(i);
                String context = prompts.text(e, i);
                contexts[i] = context;
                for (int c = 0; c < e.choices().size(); c++) {
                    Map<String, String> vars = new HashMap<>(e.vars());
                    vars.put("choice", e.choices().get(c));
                    vars.put("letter", TaskData.letter(c));
                    String choiceText = Prompts.fill(choiceTemplate, vars, task, "multiple_choice.choice_template");
                    int row = rowsBefore[i] + c;
                    written[row] = choiceText;
                    String cont = delimiter + choiceText;
                    int[][] pc = split(prompts, context, cont);
                    int over = pc[0].length + pc[1].length - maxPositions;
                    if (over > 0) {
                        if (over >= pc[0].length) {
                            throw new IllegalArgumentException("task '" + task + "', example '" + e.id() + "': choice "
                                    + c + " alone has " + Plural.of(pc[1].length, "token")
                                    + ", more than max_position_embeddings="
                                    + maxPositions);
                        }
                        pc[0] = Arrays.copyOfRange(pc[0], over, pc[0].length); // keep the end of the context
                        if (isOwned[i]) {
                            truncated++;
                        }
                    }
                    rowPrompt[row] = pc[0];
                    rowCont[row] = pc[1];
                }
            }
        }
        double[] ll = new double[rowCount];
        ctx.progress().start(task, owned.length);
        int doneExamples = 0;
        for (int k : batches) {
            int start = k * batch;
            int end = Math.min(rowCount, start + batch);
            double[] v;
            try {
                v = backend.continuationLogprobs(Arrays.asList(rowPrompt).subList(start, end),
                        Arrays.asList(rowCont).subList(start, end));
            } catch (NonFiniteLogitsException e) {
                throw e.row() < 0 ? e.in("task '" + task + "'") : e.about(where(task, examples, rowsBefore,
                        exampleOfRow, start + e.row()));
            } catch (IOException e) {
                throw new IOException("task '" + task + "', scoring the choices of examples '"
                        + examples.get(exampleOfRow[start]).id() + "' to '" + examples.get(exampleOfRow[end - 1]).id()
                        + "' on " + backend.describe() + ": " + e.getMessage(), e);
            }
            for (int r = 0; r < v.length; r++) {
                if (!Double.isFinite(v[r])) { // a backend that returns what the local engine would have refused
                    throw new IllegalStateException("non-finite log-likelihood " + v[r] + " from " + backend.describe()
                            + " while " + where(task, examples, rowsBefore, exampleOfRow, start + r) + "; evaluate "
                            + "with --dtype float32 or check the served model for overflow");
                }
                ll[start + r] = v[r];
            }
            while (doneExamples < owned.length && rowsBefore[owned[doneExamples] + 1] <= end) {
                doneExamples++;
            }
            ctx.progress().update(doneExamples);
        }

        List<ExampleRecord> records = new ArrayList<>();
        for (int i : owned) {
            TaskExample e = examples.get(i);
            int k = e.choices().size();
            int best = 0;
            int bestNorm = 0;
            int r = rowsBefore[i];
            double[] lls = Arrays.copyOfRange(ll, r, r + k);
            for (int c = 1; c < k; c++) {
                if (lls[c] > lls[best]) {
                    best = c;
                }
                if (lls[c] / len(written[r + c]) > lls[bestNorm] / len(written[r + bestNorm])) {
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
            records.add(new ExampleRecord(e.id(), contexts[i], e.choices().get(best),
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
                new MetricResult("acc_norm", accNorm.compute(records), accNorm, true, null)), notes, slice);
    }

    /** Where a scored row belongs: {@code scoring task 't', example 'id', choice c}. */
    private static String where(String task, List<TaskExample> examples, int[] rowsBefore, int[] exampleOfRow,
            int row) {
        int ex = exampleOfRow[row];
        return "scoring task '" + task + "', example '" + examples.get(ex).id() + "', choice " + (row - rowsBefore[ex]);
    }

    /** Length in characters (code points), at least 1. */
    private static int len(String s) {
        return Math.max(1, s.codePointCount(0, s.length()));
    }
}
