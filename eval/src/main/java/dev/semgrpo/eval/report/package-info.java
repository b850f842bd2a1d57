/**
 * The alignment-tax report, rebuilt from evaluation folders alone: {@link dev.semgrpo.eval.report.Report} pairs
 * the examples of a base run and compare runs by id, recomputes every metric on paired bootstrap resamples
 * ({@link dev.semgrpo.eval.report.Bootstrap}, vectorised with ND4J), and writes value and interval tables, the
 * alignment tax of general and forgetting tasks, target-language gains, and charts (drawn by {@code dev.semgrpo.chart})
 * as report.json, report.md, a self-contained report.html and plots/*.png, each chart's data beside it as
 * plots/*.csv.
 */
package dev.semgrpo.eval.report;
