/**
 * Text metrics of generated outputs against references, compatible with the public reference implementations:
 * sacreBLEU 2.x corpus BLEU ({@link dev.semgrpo.eval.metrics.BleuMetric}) and chrF/chrF++
 * ({@link dev.semgrpo.eval.metrics.ChrfMetric}), Google rouge-score's ROUGE-L
 * ({@link dev.semgrpo.eval.metrics.RougeL}), the SQuAD v1.1 and CMRC 2018 EM/F1 scripts
 * ({@link dev.semgrpo.eval.metrics.QaMetrics}, with NLTK's Treebank word rules in
 * {@link dev.semgrpo.eval.metrics.NltkWordTokenizer}) and lm-evaluation-harness exact match with regex extraction
 * ({@link dev.semgrpo.eval.metrics.ExactMatch}). All implement {@link dev.semgrpo.eval.metrics.TextMetric};
 * {@link dev.semgrpo.eval.metrics.TextMetrics#parse} builds them from the names task configs use.
 */
package dev.semgrpo.eval.metrics;
