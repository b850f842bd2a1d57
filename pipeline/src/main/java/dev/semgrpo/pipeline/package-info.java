/**
 * The paper's pipeline as typed, resumable stages ({@code Stage}): (pretrain), (encoder), cold-start SFT, merge, tau
 * calibration, GRPO, strong SFT, evaluation of every model, and the alignment-tax reports. Each stage returns its
 * {@code StageOutputs}, which {@code StageMarker} alone writes to and reads from {@code stage.json}.
 *
 * <p>Owns the order of the stages, what passes between them and their resume. Must not own model math, training
 * steps or metrics: it calls {@code trainer} and {@code eval}, which know nothing of it.
 */
package dev.semgrpo.pipeline;
