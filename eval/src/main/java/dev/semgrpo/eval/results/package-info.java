/**
 * What an evaluation run writes and a report reads: one {@link dev.semgrpo.eval.results.ExampleRecord} per example
 * ({@code <run>/<task>/examples.jsonl}) and a {@link dev.semgrpo.eval.results.TaskSummary} per task
 * ({@code <run>/<task>/summary.json}). Every metric names its {@link dev.semgrpo.eval.results.Aggregate}, so any
 * metric can be recomputed from the per-example file on any resample without loading a model.
 */
package dev.semgrpo.eval.results;
