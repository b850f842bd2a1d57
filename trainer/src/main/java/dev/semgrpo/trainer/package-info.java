/** GRPO and SFT training loops, advantages, losses, checkpoints and resume. */
package dev.semgrpo.trainer;
