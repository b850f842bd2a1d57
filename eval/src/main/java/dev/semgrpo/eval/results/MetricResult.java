package dev.semgrpo.eval.results;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One task-level metric.
 *
 * @param name e.g. {@code bleu}, {@code chrf++}, {@code em}, {@code acc_norm}, {@code nll_p90}
 * @param value the metric over all examples
 * @param aggregate how it is computed from the per-example records (the report recomputes it on resamples)
 * @param higherIsBetter false for NLL, KL and the like
 * @param signature a sacreBLEU-style signature for text metrics, else null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetricResult(String name, double value, Aggregate aggregate, boolean higherIsBetter, String signature) {
    public MetricResult {
        if (name == null || name.isBlank() || aggregate == null) {
            throw new IllegalArgumentException("a metric needs a name and an aggregate");
        }
    }
}
