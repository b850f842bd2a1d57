/**
 * The memory plan: a peak-memory estimate per stage, built from the model's {@code config.json} and the run settings
 * as named terms in bytes ({@link dev.semgrpo.trainer.plan.MemoryTerms}), checked against the device's memory before
 * anything runs, and the pipeline's pre-flight, which also lists every missing input at once. docs/training.md,
 * "Memory plan", gives the formulas.
 */
package dev.semgrpo.trainer.plan;
