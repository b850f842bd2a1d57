package dev.semgrpo.eval.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import java.util.List;

/**
 * A finished task's per-example records, task-level metrics (first one primary) and notes for the summary
 * (e.g. how many prompts were truncated).
 */
public record TaskOutcome(List<ExampleRecord> records, List<MetricResult> metrics, ObjectNode notes) {
}
