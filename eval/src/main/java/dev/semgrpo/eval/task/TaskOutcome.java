package dev.semgrpo.eval.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.shard.Slice;
import java.util.List;

/**
 * A finished task's per-example records (those of {@code slice}, in task order), task-level metrics (first one
 * primary) and notes for the summary (e.g. how many prompts were truncated).
 */
public record TaskOutcome(List<ExampleRecord> records, List<MetricResult> metrics, ObjectNode notes, Slice slice) {
    /**
     * Notes that count something over the examples: merging shards sums them. Every other note is a setting of the
     * whole task, the same in every shard.
     */
    public static final List<String> COUNTS = List.of("truncated_prompts", "truncated_contexts", "tokens");
}
