package dev.semgrpo.serve;

import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.TopLogprobs;
import java.util.List;

/**
 * What the engine made of a {@link Job}.
 *
 * @param groups per prompt, its {@code copies} completions in sample order; empty groups when nothing was generated
 * @param prompts per prompt, its tokens' log-probs; null unless the job asked for them
 */
record JobResult(List<List<Completion>> groups, List<PromptLogprobs> prompts) {

    /**
     * Raw (temperature 1) log-probs of a prompt's tokens after the first: entry t is log p(token t+1 | tokens 0..t).
     *
     * @param logprobs (length - 1)
     * @param top per scored token its alternatives, or null when none were asked for
     */
    record PromptLogprobs(float[] logprobs, List<TopLogprobs> top) {
    }
}
