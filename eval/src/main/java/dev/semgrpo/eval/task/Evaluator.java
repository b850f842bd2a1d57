package dev.semgrpo.eval.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.data.TaskData;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.TaskSummary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs tasks against a model and writes each one's results as soon as it finishes
 * ({@code <out>/<task>/examples.jsonl}, then {@code summary.json}). A task whose folder is complete is skipped
 * unless {@code overwrite}, so an interrupted evaluation resumes where it stopped.
 */
public final class Evaluator {
    private Evaluator() {
    }

    /** A task's result, or that it was skipped because it was already complete. */
    public record Result(TaskSummary summary, boolean skipped) {
    }

    /**
     * @param model shown in summaries (the model directory)
     * @param adapter shown in summaries, or null
     */
    public static List<Result> run(List<TaskConfig.Loaded> tasks, EvalContext ctx, Path out, String model,
            String adapter, boolean overwrite) throws IOException {
        List<Result> results = new ArrayList<>();
        for (TaskConfig.Loaded t : tasks) {
            if (!overwrite && EvalResults.isComplete(out, t.name())) {
                results.add(new Result(EvalResults.readTask(out.resolve(t.name())).summary(), true));
                continue;
            }
            results.add(new Result(runTask(t, ctx, out, model, adapter), false));
        }
        return results;
    }

    /** Runs one task and writes its folder. */
    public static TaskSummary runTask(TaskConfig.Loaded t, EvalContext ctx, Path out, String model, String adapter)
            throws IOException {
        TaskConfig c = t.config();
        long start = System.nanoTime();
        TaskConfig.Data d = c.data();
        List<TaskExample> examples = TaskData.read(d.path(), c.formatOrDefault(), d.fields(), d.idField(), d.limit(),
                t.name());
        List<TaskExample> pool = examples;
        if (c.prompt() != null && c.prompt().fewShotFrom() != null) {
            pool = TaskData.read(c.prompt().fewShotFrom(), c.formatOrDefault(), d.fields(), d.idField(), null,
                    t.name() + " (few-shot pool)");
        }
        TaskOutcome outcome = switch (c.type()) {
            case GENERATE, EXTRACTIVE_QA -> GenerateTask.run(t.name(), c, examples,
                    new Prompts(t.name(), c, pool, ctx.tokenizer()), ctx);
            case MULTIPLE_CHOICE -> MultipleChoiceTask.run(t.name(), c, examples,
                    new Prompts(t.name(), c, pool, ctx.tokenizer()), ctx);
            case PERPLEXITY -> PerplexityTask.run(t.name(), c, examples, ctx);
        };
        double seconds = (System.nanoTime() - start) / 1e9;
        ObjectNode config = t.tree().deepCopy();
        config.set("notes", outcome.notes());
        String reference = null;
        if (ctx.reference() != null && c.type() == TaskConfig.Type.PERPLEXITY) {
            reference = ctx.referenceIsBase() ? model + " (adapter disabled)" : String.valueOf(ctx.reference()
                    .sourceDir());
        }
        TaskSummary summary = new TaskSummary(t.name(), c.type().name().toLowerCase(java.util.Locale.ROOT),
                c.categoryOrDefault().label(), outcome.records().size(), model, adapter, reference, outcome.metrics(),
                seconds, config);
        EvalResults.write(out, summary, outcome.records());
        return summary;
    }
}
