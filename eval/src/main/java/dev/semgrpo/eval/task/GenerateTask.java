package dev.semgrpo.eval.task;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.metrics.TextMetric;
import dev.semgrpo.eval.metrics.TextMetrics;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.shard.Block;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.eval.shard.Slice;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.NonFiniteLogitsException;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Generation tasks ({@code generate}, {@code extractive_qa}): prompts built by {@link Prompts}, decoded greedily
 * unless a temperature is set, cut at stop strings and stripped, then scored by the task's text metrics (and the
 * {@code similarity} metric, which embeds each batch's outputs and references together).
 *
 * <p>The examples are generated through the context's {@link dev.semgrpo.model.generate.GenerationBackend}, in
 * batches of {@code generation.batch_size} consecutive examples (the task's {@link Block}s), each example's sampling
 * stream keyed by its index in the task, so a shard that evaluates some of the batches produces the very records the
 * whole run does.
 */
public final class GenerateTask {
    private GenerateTask() {
    }

    /** The task's batches: {@code generation.batch_size} (default 16) consecutive examples each. */
    public static List<Block> blocks(TaskConfig config, int examples) {
        return Block.every(batchSize(config), examples);
    }

    private static int batchSize(TaskConfig config) {
        return config.generation() == null || config.generation().batchSize() == null ? 16
                : config.generation().batchSize();
    }

    /**
     * Generates and scores the shard's batches of {@code examples} (all of the task's examples; {@link Shard#WHOLE}
     * evaluates every one).
     */
    public static TaskOutcome run(String task, TaskConfig config, List<TaskExample> examples, Shard shard,
            Prompts prompts, EvalContext ctx) throws IOException {
        Slice slice = shard.slice(examples.size(), blocks(config, examples.size()));
        boolean qa = config.type() == TaskConfig.Type.EXTRACTIVE_QA;
        TaskConfig.Generation g = config.generation() == null
                ? new TaskConfig.Generation(null, null, null, null, null, null) : config.generation();
        int maxNew = g.maxNewTokens() != null ? g.maxNewTokens() : qa ? 32 : 256;
        List<String> stop = g.stop() != null ? g.stop() : qa ? List.of("\n") : List.of();
        double temperature = g.temperature() == null ? 0 : g.temperature();
        SamplingParams params = temperature == 0 ? SamplingParams.greedy(maxNew)
                : SamplingParams.sample(1, maxNew, g.seed() == null ? 0 : g.seed()).withTemperature(temperature)
                        .withTopP(g.topP() == null ? 1.0 : g.topP());
        params = params.withStopStrings(stop);

        List<String> metricNames = qa ? List.of(qaVariant(config) + "_em", qaVariant(config) + "_f1")
                : config.metrics();
        List<TextMetric> metrics = new ArrayList<>();
        boolean similarity = false;
        for (String name : metricNames) {
            if (name.equals("similarity")) {
                similarity = true;
            } else {
                try {
                    metrics.add(TextMetrics.parse(name));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("task '" + task + "': metrics: " + e.getMessage(), e);
                }
            }
        }

        List<String> inputs = new ArrayList<>();
        List<int[]> tokenized = new ArrayList<>();
        int truncated = 0;
        int maxPositions = ctx.backend().maxPositions();
        int room = maxPositions - maxNew;
        if (room < 1) {
            throw new IllegalArgumentException("task '" + task + "': max_new_tokens=" + maxNew + " leaves no room for"
                    + " a prompt within max_position_embeddings=" + maxPositions + " (" + ctx.backend().describe()
                    + ")");
        }
        int[] indices = slice.indices(); // slice position -> example index in the task
        for (int i : indices) {
            PromptRenderer.Prompt prompt = prompts.prompt(examples.get(i), i);
            String text = prompt.text();
            int[] ids = prompt.ids();
            if (ids.length > room) {
                ids = Arrays.copyOfRange(ids, ids.length - room, ids.length); // keep the end, as harnesses do
                truncated++;
            }
            inputs.add(text);
            tokenized.add(ids);
        }
        ctx.progress().start(task, indices.length);
        List<String> outputs = new ArrayList<>();
        List<String> finish = new ArrayList<>();
        int start = 0; // slice position of the block's first example
        for (Block b : slice.blocks()) {
            int end = start + b.size();
            int done = start;
            List<List<Completion>> groups;
            try {
                groups = ctx.backend().generate(tokenized.subList(start, end), b.from(), params,
                        n -> ctx.progress().update(done + n));
            } catch (NonFiniteLogitsException e) {
                throw e.in("task '" + task + "'");
            } catch (IOException e) {
                throw new IOException("task '" + task + "', examples " + b.from() + ".." + (b.to() - 1) + ": "
                        + e.getMessage(), e);
            }
            for (List<Completion> group : groups) {
                Completion c = group.get(0);
                outputs.add(c.text().strip());
                finish.add(c.finishReason().toString().toLowerCase(java.util.Locale.ROOT));
            }
            ctx.progress().update(end);
            start = end;
        }

        double[] cos = null;
        Path encoder = null;
        if (similarity) {
            TaskConfig.Similarity s = config.similarity() == null
                    ? new TaskConfig.Similarity(null, null, null, null) : config.similarity();
            encoder = ctx.encoder() != null ? ctx.encoder() : s.encoder();
            if (encoder == null) {
                throw new IllegalArgumentException("task '" + task + "': the similarity metric needs a sentence "
                        + "encoder: set similarity.encoder in the task file or pass --encoder to semgrpo eval");
            }
            List<List<String>> refs = Arrays.stream(indices).mapToObj(i -> examples.get(i).references()).toList();
            cos = similarities(task, encoder, encoderOptions(task, s, ctx), s.prefix() == null ? "" : s.prefix(),
                    slice, outputs, refs);
        }
        List<ExampleRecord> records = new ArrayList<>();
        for (int k = 0; k < indices.length; k++) {
            TaskExample e = examples.get(indices[k]);
            Map<String, Double> scores = new HashMap<>();
            Map<String, long[]> stats = new HashMap<>();
            for (TextMetric m : metrics) {
                try {
                    m.score(outputs.get(k), e.references(), scores, stats);
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("task '" + task + "', example '" + e.id() + "' (line "
                            + e.line() + " of " + config.data().path() + "): " + ex.getMessage(), ex);
                }
            }
            if (cos != null) {
                scores.put("similarity", cos[k]);
            }
            ObjectNode extra = JsonNodeFactory.instance.objectNode();
            extra.put("finish_reason", finish.get(k));
            extra.put("prompt", prompts.userText(e));
            records.add(new ExampleRecord(e.id(), inputs.get(k), outputs.get(k), e.references(), scores, stats, null,
                    extra));
        }
        List<MetricResult> results = new ArrayList<>();
        int next = 0;
        for (String name : metricNames) {
            results.add(name.equals("similarity") ? Similarity.summarize(records, encoder)
                    : metrics.get(next++).summarize(records));
        }
        ObjectNode notes = JsonNodeFactory.instance.objectNode();
        notes.put("truncated_prompts", truncated);
        notes.put("max_new_tokens", maxNew);
        notes.put("decoding", temperature == 0 ? "greedy" : "sampling T=" + temperature);
        if (encoder != null) {
            notes.put(Similarity.ENCODER_NOTE, encoder.toString());
        }
        return new TaskOutcome(records, results, notes, slice);
    }

    /**
     * Cosine of each output to its references, one block at a time: a block's outputs and references are embedded
     * together, so that a shard's values are those of the whole run (the encoder batches by length within a call).
     */
    private static double[] similarities(String task, Path encoder, SentenceEncoders.Options options, String prefix,
            Slice slice, List<String> outputs, List<List<String>> references) throws IOException {
        double[] cos = new double[outputs.size()];
        if (outputs.isEmpty()) {
            return cos;
        }
        PooledSentenceEncoder enc;
        try {
            enc = SentenceEncoders.open(encoder, options);
        } catch (IOException e) {
            throw new IOException("task '" + task + "': the similarity encoder " + encoder + " could not be "
                    + "opened: " + e.getMessage(), e);
        }
        try (enc) {
            int start = 0;
            for (Block b : slice.blocks()) {
                int end = start + b.size();
                double[] c = Similarity.cosines(enc, prefix, outputs.subList(start, end),
                        references.subList(start, end));
                System.arraycopy(c, 0, cos, start, c.length);
                start = end;
            }
        }
        return cos;
    }

    /** The CLI's encoder options, with the task's backend and batch size when it sets them. */
    private static SentenceEncoders.Options encoderOptions(String task, TaskConfig.Similarity s, EvalContext ctx) {
        SentenceEncoders.Options o = ctx.encoderOptions() == null ? SentenceEncoders.Options.defaults()
                : ctx.encoderOptions();
        SentenceEncoders.Backend backend = o.backend();
        if (s.backend() != null) {
            backend = switch (s.backend().toLowerCase(java.util.Locale.ROOT)) {
                case "native" -> SentenceEncoders.Backend.NATIVE;
                case "onnx" -> SentenceEncoders.Backend.ONNX;
                default -> throw new IllegalArgumentException("task '" + task + "': similarity.backend must be "
                        + "native or onnx, found '" + s.backend() + "'");
            };
        }
        int batch = s.batchSize() != null ? s.batchSize() : o.batchSize();
        return new SentenceEncoders.Options(backend, o.device(), o.dtype(), batch, o.pooling(), o.maxSeqLength());
    }

    private static String qaVariant(TaskConfig config) {
        return config.qa() == null || config.qa().variant() == null ? "squad" : config.qa().variant();
    }
}
