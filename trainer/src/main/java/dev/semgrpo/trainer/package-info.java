/**
 * GRPO and SFT training: typed settings ({@code config.Settings}, read by {@code config.ConfigLoader}), advantages,
 * policy losses and KL estimators ({@code grpo}), the shared loop with checkpoints and exact resume, run directories
 * and their metrics, and the memory plan and pre-flight ({@code plan}).
 *
 * <p>Owns training loops. Must not own model math, reward math or evaluation; it depends on {@code model} and
 * {@code rewards}, never on {@code eval} or {@code pipeline}.
 */
package dev.semgrpo.trainer;
