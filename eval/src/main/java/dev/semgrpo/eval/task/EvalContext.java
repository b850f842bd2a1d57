package dev.semgrpo.eval.task;

import dev.semgrpo.model.generate.GenerationBackend;
import dev.semgrpo.model.generate.LocalBackend;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import java.nio.file.Path;

/**
 * What tasks run against.
 *
 * @param backend where generate and extractive_qa tasks generate and multiple-choice tasks score: the local engine
 *     ({@link LocalBackend} over {@code model}) or a server
 * @param model the evaluated model on the local engine (with its adapter attached, if any), which perplexity tasks
 *     need for the full next-token distribution; null when the backend is a server
 * @param tokenizer the model's tokenizer: prompts are rendered and tokenized here whatever the backend
 * @param reference the reference of KL metrics: another model, or {@code model} itself when {@code referenceIsBase}
 *     (the adapter switched off gives the base), or null for none
 * @param referenceIsBase the reference is {@code model} with its adapters disabled
 * @param encoder a sentence encoder directory overriding the tasks' similarity.encoder, or null
 * @param encoderOptions how sentence encoders are opened (device, dtype, batch size)
 * @param progress progress reports
 */
public record EvalContext(GenerationBackend backend, CausalLM model, TextTokenizer tokenizer, CausalLM reference,
        boolean referenceIsBase, Path encoder, SentenceEncoders.Options encoderOptions, Progress progress) {

    /**
     * Evaluation on the local engine: generation and scoring through a {@link LocalBackend} over {@code model} that
     * decodes each of a task's batches as one batch (the tasks choose the batches).
     */
    public static EvalContext local(CausalLM model, TextTokenizer tokenizer, CausalLM reference,
            boolean referenceIsBase, Path encoder, SentenceEncoders.Options encoderOptions, Progress progress) {
        return new EvalContext(new LocalBackend(model, tokenizer, Integer.MAX_VALUE), model, tokenizer, reference,
                referenceIsBase, encoder, encoderOptions, progress);
    }

    /** Evaluation on a server: no local model, so no perplexity tasks. */
    public static EvalContext remote(GenerationBackend backend, TextTokenizer tokenizer, Path encoder,
            SentenceEncoders.Options encoderOptions, Progress progress) {
        return new EvalContext(backend, null, tokenizer, null, false, encoder, encoderOptions, progress);
    }

    /** The local model, for a task that needs the full distribution; an error that says why when there is none. */
    CausalLM localModel(String task) {
        if (model == null) {
            throw new IllegalArgumentException(perplexityNeedsLocal(task, backend.describe()));
        }
        return model;
    }

    /** Why a perplexity task cannot run on a server, and how to run it. */
    static String perplexityNeedsLocal(String task, String backend) {
        return "task '" + task + "' is a perplexity task: its NLL and KL need the model's full next-token distribution"
                + " at every position, which an OpenAI-compatible server does not return (only the top log-probs), "
                + "and generation here runs on " + backend + ". Run perplexity tasks with --backend local (a separate"
                + " `semgrpo eval --backend local --model <model dir> --tasks " + task + " --out <folder>`), and "
                + "leave them out of this run's --tasks";
    }
}
