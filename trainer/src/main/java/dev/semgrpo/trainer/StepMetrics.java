package dev.semgrpo.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.FinishReason;
import dev.semgrpo.trainer.grpo.ImportanceSampling;
import dev.semgrpo.trainer.grpo.PolicyStats;
import java.util.List;

/**
 * What one step logs, by name. {@link #write} puts it into the step's metrics.jsonl line under the names listed in
 * docs/metrics.md: TRL's where TRL logs the same quantity, ours where it has none. The loop adds {@code step},
 * {@code epoch}, {@code num_tokens} and {@code nonfinite_streak} (see {@link Trainer}).
 */
public sealed interface StepMetrics permits StepMetrics.Grpo, StepMetrics.Sft {
    /** Puts every value into {@code line}. */
    void write(ObjectNode line);

    /** Prompt plus completion tokens this step trained on; their running sum is logged as {@code num_tokens}. */
    long trainedTokens();

    /**
     * One GRPO step.
     *
     * @param learningRate of the last optimizer step of the step
     * @param loss the summed micro-batch losses of a pass, averaged over the {@code num_iterations} passes
     * @param gradNorm global gradient norm before clipping, of the last optimizer step
     * @param rewards rewards and advantages of the kept groups
     * @param policy KL, clip shares and ratio over the counted tokens
     * @param entropy mean per-token entropy of the policy on its counted completion tokens (first pass)
     * @param completions lengths and truncation of the kept completions
     * @param promptTokens prompt tokens of the kept completions (a prompt counts once per completion)
     * @param droppedGroups groups dropped by dynamic sampling and refilled
     * @param sampling trainer against server log-probs of server rollouts, or null for local ones
     * @param times wall-clock split
     */
    record Grpo(double learningRate, double loss, float gradNorm, Rewards rewards, PolicyStats policy,
            double entropy, Completions completions, long promptTokens, int droppedGroups,
            ImportanceSampling.Logged sampling, GrpoTimes times) implements StepMetrics {
        @Override
        public void write(ObjectNode m) {
            m.put("learning_rate", learningRate);
            m.put("loss", loss);
            m.put("grad_norm", gradNorm);
            rewards.write(m);
            m.put("dynamic_sampling/dropped_groups", droppedGroups);
            m.put("kl", policy.kl());
            m.put("clip_ratio/low_mean", policy.clipLow());
            m.put("clip_ratio/high_mean", policy.clipHigh());
            m.put("clip_ratio/region_mean", policy.clipRegion());
            m.put("ratio/mean", policy.ratioMean());
            m.put("entropy", entropy);
            if (sampling != null) {
                m.put("sampling/sampling_logp_difference/mean", sampling.deltaMean());
                m.put("sampling/sampling_logp_difference/max", sampling.deltaMax());
                m.put("sampling/importance_sampling_ratio/min", sampling.weightMin());
                m.put("sampling/importance_sampling_ratio/mean", sampling.weightMean());
                m.put("sampling/importance_sampling_ratio/max", sampling.weightMax());
                m.put("sampling/importance_sampling_ratio/capped_frac", sampling.cappedFrac());
            }
            completions.write(m);
            times.write(m);
        }

        @Override
        public long trainedTokens() {
            return promptTokens + completions.tokens();
        }
    }

    /**
     * Rewards of a GRPO batch (the kept groups) and the advantages computed from them.
     *
     * @param mean mean total reward
     * @param std std (Bessel) of the total reward over the batch
     * @param components each reward function and each of its named components
     * @param fracZeroStd share of groups whose rewards all agree
     * @param advantageMean mean advantage
     * @param advantageAbsMean mean absolute advantage
     */
    record Rewards(double mean, float std, List<Component> components, double fracZeroStd, double advantageMean,
            double advantageAbsMean) {
        public Rewards {
            components = List.copyOf(components);
        }

        void write(ObjectNode m) {
            m.put("reward", mean);
            m.put("reward_std", std);
            for (Component c : components) {
                m.put("rewards/" + c.name() + "/mean", c.mean());
                m.put("rewards/" + c.name() + "/std", c.std());
            }
            m.put("frac_reward_zero_std", fracZeroStd);
            m.put("advantage/mean", advantageMean);
            m.put("advantage/abs_mean", advantageAbsMean);
        }
    }

    /** Mean and std (Bessel) of one reward function or component over the batch. */
    record Component(String name, double mean, float std) {
    }

    /**
     * Lengths of a batch's completions in tokens, as TRL logs them: all completions, and those that ended on their
     * own (eos or a stop string, not {@code max_completion_length}; all 0 when none did).
     *
     * @param clippedRatio share of completions cut at {@code max_completion_length}
     * @param tokens completion tokens generated (kept groups)
     */
    record Completions(double meanLength, int minLength, int maxLength, double clippedRatio,
            double meanTerminatedLength, int minTerminatedLength, int maxTerminatedLength, long tokens) {
        static Completions of(List<Completion> completions) {
            int minLen = Integer.MAX_VALUE;
            int maxLen = 0;
            long tokens = 0;
            int truncated = 0;
            int minTerm = Integer.MAX_VALUE;
            int maxTerm = 0;
            long termTokens = 0;
            for (Completion c : completions) {
                int len = c.tokenIds().length;
                minLen = Math.min(minLen, len);
                maxLen = Math.max(maxLen, len);
                tokens += len;
                if (c.finishReason() == FinishReason.LENGTH) {
                    truncated++;
                } else {
                    minTerm = Math.min(minTerm, len);
                    maxTerm = Math.max(maxTerm, len);
                    termTokens += len;
                }
            }
            int n = completions.size();
            int terminated = n - truncated;
            return new Completions((double) tokens / n, minLen, maxLen, (double) truncated / n,
                    terminated == 0 ? 0 : (double) termTokens / terminated, terminated == 0 ? 0 : minTerm,
                    terminated == 0 ? 0 : maxTerm, tokens);
        }

        void write(ObjectNode m) {
            m.put("completions/mean_length", meanLength);
            m.put("completions/min_length", minLength);
            m.put("completions/max_length", maxLength);
            m.put("completions/clipped_ratio", clippedRatio);
            m.put("completions/mean_terminated_length", meanTerminatedLength);
            m.put("completions/min_terminated_length", minTerminatedLength);
            m.put("completions/max_terminated_length", maxTerminatedLength);
            m.put("completion_tokens", tokens);
        }
    }

    /** Seconds spent generating, scoring, updating, and on the whole step. */
    record GrpoTimes(double generate, double score, double update, double step) {
        void write(ObjectNode m) {
            m.put("time/generate_s", generate);
            m.put("time/score_s", score);
            m.put("time/update_s", update);
            m.put("time/step_s", step);
        }
    }

    /**
     * One SFT step.
     *
     * @param loss mean NLL over the batch's completion tokens
     * @param completionTokens completion (reference) tokens trained on, after truncation to {@code sft.max_length}
     * @param promptTokens prompt tokens of the batch
     * @param truncatedRows rows whose completion was cut to fit {@code sft.max_length}
     * @param stepSeconds wall-clock time of the step
     */
    record Sft(double learningRate, double loss, float gradNorm, long completionTokens, long promptTokens,
            int truncatedRows, double stepSeconds) implements StepMetrics {
        @Override
        public void write(ObjectNode m) {
            m.put("loss", loss);
            m.put("learning_rate", learningRate);
            m.put("grad_norm", gradNorm);
            m.put("completion_tokens", completionTokens);
            m.put("truncated_rows", truncatedRows);
            m.put("time/step_s", stepSeconds);
        }

        @Override
        public long trainedTokens() {
            return promptTokens + completionTokens;
        }
    }
}
