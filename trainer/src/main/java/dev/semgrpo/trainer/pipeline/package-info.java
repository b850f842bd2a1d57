/**
 * The paper's pipeline as resumable stages: (pretrain), (encoder), cold-start SFT, merge, tau calibration, GRPO,
 * strong SFT, evaluation of every model, and the alignment-tax report.
 */
package dev.semgrpo.trainer.pipeline;
