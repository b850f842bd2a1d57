package dev.semgrpo.model.generate;

import java.io.IOException;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Where completions and log-probs come from: this JVM's engine ({@link LocalBackend}) or an OpenAI-compatible server
 * (vLLM, {@code semgrpo serve}, any server of that API). Training rollouts and evaluation talk only to this
 * interface, so moving generation to a server changes a config value, not the code that uses it.
 *
 * <p>Prompts go in as token ids tokenized by the caller, so a server sees exactly the tokens the local engine would.
 */
public interface GenerationBackend extends AutoCloseable {
    /** Longest prompt plus new tokens the model takes (max_position_embeddings, or a server's max_model_len). */
    int maxPositions();

    /**
     * Samples {@code params.n()} completions for every prompt. Each prompt's random stream is keyed by (seed,
     * {@code firstIndex + i}), so a data set generated in slices draws what one call over all of it would.
     *
     * @param progress called with the number of prompts finished so far (may be null)
     * @return per prompt, its group of completions in sample order
     * @throws IOException when a server cannot be reached or answers with an error
     */
    List<List<Completion>> generate(List<int[]> prompts, int firstIndex, SamplingParams params, IntConsumer progress)
            throws IOException;

    /**
     * Log-likelihood of each continuation after its prompt under the model's own distribution (temperature 1): the
     * sum over the continuation's tokens of log p(token | prompt, earlier tokens). Used for multiple-choice scoring.
     *
     * @throws NonFiniteLogitsException when a row's log-likelihood is not finite (the local engine names the layer)
     */
    double[] continuationLogprobs(List<int[]> prompts, List<int[]> continuations) throws IOException;

    /** Where generation runs, for summaries and error messages ("local engine", a URL and a model name). */
    String describe();

    /** Releases what the backend opened (connections); never the model it was given. */
    @Override
    void close() throws IOException;
}
