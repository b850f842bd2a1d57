/** Sentence encoders and reward functions (semantic similarity, target script, ablations). */
package dev.semgrpo.rewards;
