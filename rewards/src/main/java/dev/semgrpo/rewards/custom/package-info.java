/**
 * Rewards written outside semgrpo, as TRL users write reward functions: a Java class on the classpath that
 * implements {@code RewardFunction} ({@link dev.semgrpo.rewards.custom.ClassRewards}), or a remote scorer behind an
 * HTTP endpoint ({@link dev.semgrpo.rewards.custom.HttpReward}, e.g. COMET or a classifier served from Python). The
 * protocol is in {@code docs/rewards.md}.
 */
package dev.semgrpo.rewards.custom;
