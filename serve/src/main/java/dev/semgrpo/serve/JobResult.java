package dev.semgrpo.serve;

import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.LogProbScorer.SequenceLogprobs;
import java.util.List;

/**
 * What the engine made of a {@link Job}.
 *
 * @param groups per prompt, its {@code copies} completions in sample order; empty groups when nothing was generated
 * @param prompts per prompt, the raw (temperature 1) log-probs of its tokens after the first; null unless the job
 *     asked for them
 */
record JobResult(List<List<Completion>> groups, List<SequenceLogprobs> prompts) {
}
