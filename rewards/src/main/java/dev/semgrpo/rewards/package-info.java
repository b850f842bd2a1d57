/**
 * Sentence encoders (native DJL and ONNX Runtime), reward functions (the paper's semantic similarity and target-script
 * rewards, chrF/BLEU and penalty ablations), reward configs ({@code RewardConfig}, {@code RewardStack}) and
 * contrastive training of a reward encoder.
 *
 * <p>Owns reward math: completions and references in, one float per completion (and named components) out. Must not
 * own policy updates, evaluation tasks or the pipeline; it depends on {@code model} only.
 */
package dev.semgrpo.rewards;
