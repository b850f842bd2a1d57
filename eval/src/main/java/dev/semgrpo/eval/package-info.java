/** Evaluation harness: metrics, benchmarks, forgetting and the alignment-tax report. */
package dev.semgrpo.eval;
