package dev.semgrpo.eval.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.data.TaskData;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.TaskSummary;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.eval.shard.ShardInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs tasks against a model and writes each one's results as soon as it finishes
 * ({@code <out>/<task>/examples.jsonl}, then {@code summary.json}). A task whose folder is complete is skipped
 * unless {@code overwrite}, so an interrupted evaluation resumes where it stopped. A shard of a sharded evaluation
 * evaluates its blocks of every task and also writes {@code <task>/shard.json} ({@link ShardInfo}).
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
     * @param shard the part of every task to evaluate ({@link Shard#WHOLE}: all of it)
     */
    public static List<Result> run(List<TaskConfig.Loaded> tasks, EvalContext ctx, Path out, String model,
            String adapter, Shard shard, boolean overwrite) throws IOException {
        List<Result> results = new ArrayList<>();
        for (TaskConfig.Loaded t : tasks) {
            if (!overwrite && EvalResults.isComplete(out, t.name())) {
                results.add(new Result(EvalResults.readTask(out.resolve(t.name())).summary(), true));
                continue;
            }
            results.add(new Result(runTask(t, ctx, out, model, adapter, shard), false));
        }
        return results;
    }

    /** Runs the shard's part of one task and writes its folder. */
    public static TaskSummary runTask(TaskConfig.Loaded t, EvalContext ctx, Path out, String model, String adapter,
            Shard shard) throws IOException {
        TaskConfig c = t.config();
        long start = System.nanoTime();
        TaskConfig.Data d = c.data();
        List<TaskExample> examples = TaskData.read(d.path(), c.formatOrDefault(), d.fields(), d.idField(), d.limit(),
                t.name());
        List<TaskExample> pool = examples;
        List<Path> dataFiles = new ArrayList<>(List.of(d.path()));
        if (c.prompt() != null && c.prompt().fewShotFrom() != null) {
            pool = TaskData.read(c.prompt().fewShotFrom(), c.formatOrDefault(), d.fields(), d.idField(), null,
                    t.name() + " (few-shot pool)");
            dataFiles.add(c.prompt().fewShotFrom());
        }
        TaskOutcome outcome = switch (c.type()) {
            case GENERATE, EXTRACTIVE_QA -> GenerateTask.run(t.name(), c, examples, shard,
                    new Prompts(t.name(), c, pool, ctx.tokenizer()), ctx);
            case MULTIPLE_CHOICE -> MultipleChoiceTask.run(t.name(), c, examples, shard,
                    new Prompts(t.name(), c, pool, ctx.tokenizer()), ctx);
            case PERPLEXITY -> PerplexityTask.run(t.name(), c, examples, shard, ctx);
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
        Path dir = out.resolve(t.name());
        Files.createDirectories(dir);
        if (!shard.isWhole()) { // before the summary, which marks the task complete
            new ShardInfo(t.name(), shard, examples.size(), ShardInfo.fingerprint(t.tree(), dataFiles),
                    outcome.slice().blocks()).write(dir);
        }
        EvalResults.write(out, summary, outcome.records());
        if (shard.isWhole()) {
            Files.deleteIfExists(dir.resolve(ShardInfo.FILE)); // left by a sharded run this one replaced
        }
        return summary;
    }
}
