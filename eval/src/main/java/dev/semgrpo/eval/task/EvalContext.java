package dev.semgrpo.eval.task;

import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import java.nio.file.Path;

/**
 * What tasks run against.
 *
 * @param model the evaluated model (with its adapter attached, if any)
 * @param tokenizer its tokenizer
 * @param reference the reference of KL metrics: another model, or {@code model} itself when {@code referenceIsBase}
 *     (the adapter switched off gives the base), or null for none
 * @param referenceIsBase the reference is {@code model} with its adapters disabled
 * @param encoder a sentence encoder directory overriding the tasks' similarity.encoder, or null
 * @param encoderOptions how sentence encoders are opened (device, dtype, batch size)
 * @param progress progress reports
 */
public record EvalContext(CausalLM model, TextTokenizer tokenizer, CausalLM reference, boolean referenceIsBase,
        Path encoder, SentenceEncoders.Options encoderOptions, Progress progress) {
}
