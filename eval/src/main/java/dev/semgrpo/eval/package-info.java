/**
 * The evaluation harness: task files, data readers, generation / extractive QA / multiple-choice / perplexity-KL
 * tasks, sacreBLEU-compatible metrics, the pairwise LLM judge, per-example results and the alignment-tax report
 * (paired bootstrap with ND4J, tables, charts).
 *
 * <p>Owns metrics and reports. Must not own training; it depends on {@code model}, {@code rewards} (the similarity
 * encoder) and {@code chart}, never on {@code trainer} or {@code pipeline}.
 */
package dev.semgrpo.eval;
