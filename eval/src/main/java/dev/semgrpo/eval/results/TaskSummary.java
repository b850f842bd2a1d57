package dev.semgrpo.eval.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A task's results, {@code <run>/<task>/summary.json}.
 *
 * @param task the task's name (its YAML file name under {@code configs/tasks/})
 * @param type generate, multiple_choice, extractive_qa, perplexity or judge
 * @param category "target" (the new language), "general" (skills that must not be lost) or "forgetting"
 * @param examples number of examples
 * @param model the model directory evaluated
 * @param adapter the LoRA adapter applied, or null
 * @param reference the reference model of KL metrics, or null
 * @param metrics the task's metrics, first one primary
 * @param seconds wall time of the task
 * @param config the task's resolved configuration
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskSummary(String task, String type, String category, int examples, String model, String adapter,
        String reference, List<MetricResult> metrics, double seconds, JsonNode config) {
    public TaskSummary {
        metrics = List.copyOf(metrics);
    }

    /** The named metric, or null. */
    public MetricResult metric(String name) {
        return metrics.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
    }
}
