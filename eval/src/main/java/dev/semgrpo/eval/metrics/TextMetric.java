package dev.semgrpo.eval.metrics;

import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import java.util.List;
import java.util.Map;

/**
 * A metric of generated text against references, used uniformly by a generation task: {@link #score} once per
 * example (its values go into the {@link ExampleRecord}), then {@link #summarize} over the records. Every metric
 * writes its per-example score (and, for corpus metrics, its statistics) under the key {@link #name()}, and the
 * returned {@link MetricResult}'s aggregate recomputes the task-level value from those records alone.
 */
public interface TextMetric {
    /**
     * The metric's canonical spec, e.g. {@code bleu}, {@code bleu:tok=zh}, {@code chrf++}, {@code rouge_l}; also the
     * key of its per-example score and statistics. {@link TextMetrics#parse} of it gives an equal metric.
     */
    String name();

    /**
     * Scores one output against its references, putting the sentence-level score into {@code scores} and, for a
     * corpus-level metric, its sufficient statistics into {@code stats} (both under {@link #name()}).
     *
     * @throws IllegalArgumentException when there is no reference
     */
    void score(String output, List<String> references, Map<String, Double> scores, Map<String, long[]> stats);

    /** The task-level metric over records that {@link #score} filled; NaN for no records. */
    MetricResult summarize(List<ExampleRecord> examples);
}
