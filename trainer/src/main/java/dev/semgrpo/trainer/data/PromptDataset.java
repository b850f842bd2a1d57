package dev.semgrpo.trainer.data;

import static dev.semgrpo.model.tokenizer.PromptRenderer.message;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.Problems;
import dev.semgrpo.model.tokenizer.Jinja;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.trainer.config.Settings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Training records (prompt or chat messages, and a reference) tokenised once, served in an order that depends only
 * on (seed, epoch), so a resumed run sees exactly the records the uninterrupted run would.
 */
public final class PromptDataset {
    /**
     * @param index position in the file (after the limit)
     * @param promptText the prompt as the model sees it (chat template applied when configured)
     * @param promptIds its token ids
     * @param reference the reference answer
     * @param completionIds the SFT target: with the chat template, the assistant turn the template writes for the
     *     reference after the generation prompt (Qwen3: {@code reference<|im_end|>\n}); plain: reference + eos
     */
    public record Example(int index, String promptText, int[] promptIds, String reference, int[] completionIds) {
    }

    private final List<Example> examples;
    private final long seed;
    private final boolean shuffle;

    private PromptDataset(List<Example> examples, long seed, boolean shuffle) {
        this.examples = examples;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    /**
     * Reads and renders every record through {@link PromptRenderer} with {@code data.chat_template_kwargs}, the
     * same renderer evaluation uses; bad records are reported together (the first 20), each with its line.
     */
    public static PromptDataset load(Settings.Data d, TextTokenizer tok, long seed) throws IOException {
        PromptRenderer renderer = new PromptRenderer(tok, d.chatTemplateKwargs(), "data.chat_template_kwargs");
        List<Example> out = new ArrayList<>();
        Problems errors = new Problems(20);
        for (Jsonl.Line line : Jsonl.read(d.path())) {
            if (d.limit() != null && out.size() >= d.limit()) {
                break;
            }
            String where = d.path() + ":" + line.number();
            JsonNode n = line.node();
            try {
                List<Map<String, Object>> msgs = null;
                if (n.has("messages")) {
                    if (n.has(d.promptField())) {
                        throw new IllegalArgumentException("has both \"messages\" and \"" + d.promptField()
                                + "\"; keep one");
                    }
                    msgs = PromptRenderer.messages(n.get("messages"));
                } else if (n.path(d.promptField()).isTextual()) {
                    if (d.chat()) {
                        msgs = List.of(message("user", n.get(d.promptField()).asText()));
                    }
                } else {
                    throw new IllegalArgumentException("needs a string \"" + d.promptField() + "\" or \"messages\"");
                }
                PromptRenderer.Prompt p = msgs != null ? renderer.chat(msgs)
                        : renderer.plain(n.get(d.promptField()).asText());
                if (p.ids().length == 0 || p.ids().length > d.maxPromptLength()) {
                    throw new IllegalArgumentException("prompt has " + p.ids().length + " tokens; data.max_prompt_length"
                            + " is " + d.maxPromptLength());
                }
                JsonNode ref = n.get(d.referenceField());
                if (ref == null || !ref.isTextual()) {
                    throw new IllegalArgumentException("needs a string \"" + d.referenceField() + "\"");
                }
                int[] completion = msgs != null ? renderer.assistantTurn(msgs, p, ref.asText())
                        : renderer.plainCompletion(ref.asText());
                out.add(new Example(out.size(), p.text(), p.ids(), ref.asText(), completion));
            } catch (IllegalArgumentException | IllegalStateException | Jinja.TemplateException e) {
                errors.add(where + ": " + e.getMessage());
            }
        }
        if (errors.count() > 0) {
            throw new IllegalArgumentException(Plural.of(errors.count(), "bad record") + "; fix them and run again:\n  "
                    + errors.shown("\n  "));
        }
        return new PromptDataset(out, seed, d.shuffle());
    }

    public int size() {
        return examples.size();
    }

    /** The example at global position {@code cursor} (epoch = cursor / size). */
    public Example at(long cursor) {
        int n = examples.size();
        int epoch = (int) (cursor / n);
        return examples.get(order(epoch).get((int) (cursor % n)));
    }

    private int cachedEpoch = -1;
    private List<Integer> cachedOrder;

    private List<Integer> order(int epoch) {
        if (epoch != cachedEpoch) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < examples.size(); i++) {
                idx.add(i);
            }
            if (shuffle) {
                Collections.shuffle(idx, new Random(seed * 1_000_003L + epoch));
            }
            cachedOrder = idx;
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }
}
