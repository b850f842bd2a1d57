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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Training records tokenised once, served in an order that depends only on (seed, epoch), so a resumed run sees
 * exactly the records the uninterrupted run would. A file has one {@link DataLayout} (semgrpo's prompt/reference or
 * TRL's prompt-completion, conversational or messages layouts), detected from its first record.
 */
public final class PromptDataset {
    /**
     * @param index position in the file (after the limit)
     * @param promptText the prompt as the model sees it (chat template applied when configured)
     * @param promptIds its token ids
     * @param reference the reference answer
     * @param completionIds the SFT target: with the chat template, the assistant turn the template writes for the
     *     reference after the generation prompt (Qwen3: {@code reference<|im_end|>\n}); plain: reference + eos
     * @param extras the record's fields its layout does not read, for rewards: a string for a text field, the JSON
     *     value ({@link JsonNode}) otherwise
     */
    public record Example(int index, String promptText, int[] promptIds, String reference, int[] completionIds,
            Map<String, Object> extras) {
        public Example {
            extras = Collections.unmodifiableMap(new LinkedHashMap<>(extras));
        }
    }

    /** A record read in its layout: chat messages (null for a plain prompt) or plain text, and the reference. */
    private record Read(List<Map<String, Object>> messages, String text, String reference) {
    }

    private final List<Example> examples;
    private final DataLayout layout;
    private final long seed;
    private final boolean shuffle;

    private PromptDataset(List<Example> examples, DataLayout layout, long seed, boolean shuffle) {
        this.examples = examples;
        this.layout = layout;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    /**
     * Reads and renders every record through {@link PromptRenderer} with {@code data.chat_template_kwargs}, the
     * same renderer evaluation uses; bad records are reported together (the first 20), each with its line. A record
     * whose layout differs from the first record's is an error naming both lines; one with no accepted layout gets
     * the list of layouts, an example each, and the {@code --set} that maps other field names.
     */
    public static PromptDataset load(Settings.Data d, TextTokenizer tok, long seed) throws IOException {
        PromptRenderer renderer = new PromptRenderer(tok, d.chatTemplateKwargs(), "data.chat_template_kwargs");
        List<Example> out = new ArrayList<>();
        Problems errors = new Problems(20);
        DataLayout layout = null;
        int layoutLine = 0;
        List<String> firstKeys = null;
        boolean noLayout = false;
        for (Jsonl.Line line : Jsonl.read(d.path())) {
            if (d.limit() != null && out.size() >= d.limit()) {
                break;
            }
            String where = d.path() + ":" + line.number();
            JsonNode n = line.node();
            if (firstKeys == null) {
                firstKeys = new ArrayList<>();
                n.fieldNames().forEachRemaining(firstKeys::add);
            }
            try {
                DataLayout l;
                try {
                    l = DataLayout.of(n, d.promptField(), d.referenceField());
                } catch (IllegalArgumentException e) {
                    noLayout = true;
                    throw e;
                }
                if (layout == null) {
                    layout = l;
                    layoutLine = line.number();
                } else if (l != layout) {
                    throw new IllegalArgumentException("has the layout " + l.label() + ", but the file's first record"
                            + " (line " + layoutLine + ") has " + layout.label() + "; a file has one layout: convert"
                            + " this record or split the file");
                }
                Read r = read(l, n, d);
                PromptRenderer.Prompt p = r.messages() != null ? renderer.chat(r.messages()) : renderer.plain(r.text());
                if (p.ids().length == 0 || p.ids().length > d.maxPromptLength()) {
                    throw new IllegalArgumentException("prompt has " + p.ids().length + " tokens; data.max_prompt_length"
                            + " is " + d.maxPromptLength());
                }
                int[] completion = r.messages() != null ? renderer.assistantTurn(r.messages(), p, r.reference())
                        : renderer.plainCompletion(r.reference());
                out.add(new Example(out.size(), p.text(), p.ids(), r.reference(), completion,
                        extras(n, l.fields(d.promptField(), d.referenceField()))));
            } catch (IllegalArgumentException | IllegalStateException | Jinja.TemplateException e) {
                errors.add(where + ": " + e.getMessage());
            }
        }
        if (errors.count() > 0) {
            throw new IllegalArgumentException(Plural.of(errors.count(), "bad record") + "; fix them and run again:\n  "
                    + errors.shown("\n  ") + (noLayout ? "\n  " + DataLayout.accepted(d.promptField(),
                            d.referenceField(), firstKeys) : ""));
        }
        return new PromptDataset(out, layout, seed, d.shuffle());
    }

    /** The prompt and reference of a record of layout {@code l}. */
    private static Read read(DataLayout l, JsonNode n, Settings.Data d) {
        String pf = d.promptField();
        String rf = d.referenceField();
        return switch (l) {
            case PROMPT_REFERENCE -> plainOrChat(n.get(pf).asText(), text(n, rf), d.chat());
            case PROMPT_COMPLETION -> plainOrChat(n.get(pf).asText(), text(n, DataLayout.COMPLETION), d.chat());
            case CONVERSATIONAL_PROMPT_REFERENCE -> new Read(PromptRenderer.messages(n.get(pf), pf), null,
                    text(n, rf));
            case MESSAGES_REFERENCE -> new Read(PromptRenderer.messages(n.get(DataLayout.MESSAGES_FIELD)), null,
                    text(n, rf));
            case CONVERSATIONAL_PROMPT_COMPLETION -> new Read(PromptRenderer.messages(n.get(pf), pf), null,
                    assistantCompletion(n.get(DataLayout.COMPLETION)));
            case MESSAGES -> lastTurnAsReference(n.get(DataLayout.MESSAGES_FIELD));
        };
    }

    /** A string prompt: a user message when {@code data.chat} is on, else plain text. */
    private static Read plainOrChat(String prompt, String reference, boolean chat) {
        return chat ? new Read(List.of(message("user", prompt)), null, reference) : new Read(null, prompt, reference);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("needs a string \"" + field + "\", found " + (v == null ? "none"
                    : Jsonl.brief(v)));
        }
        return v.asText();
    }

    /** TRL's conversational completion: a list of exactly one assistant message; its content. */
    private static String assistantCompletion(JsonNode c) {
        if (!c.isArray() || c.size() != 1 || !c.get(0).isObject() || c.get(0).size() != 2
                || !"assistant".equals(c.get(0).path("role").textValue()) || !c.get(0).path("content").isTextual()) {
            throw new IllegalArgumentException("\"completion\" must be a list of one {\"role\": \"assistant\","
                    + " \"content\": string} message (TRL's conversational prompt-completion), found "
                    + Jsonl.brief(c));
        }
        return c.get(0).get("content").asText();
    }

    /** TRL's conversational language-modeling record: the final assistant message is the reference. */
    private static Read lastTurnAsReference(JsonNode list) {
        List<Map<String, Object>> all = PromptRenderer.messages(list);
        Map<String, Object> last = all.get(all.size() - 1);
        if (all.size() < 2 || !"assistant".equals(last.get("role"))) {
            throw new IllegalArgumentException("\"messages\" without a \"reference\" must end with the assistant's"
                    + " answer (the reference; the earlier turns are the prompt), found a last message with role '"
                    + last.get("role") + "'; add the answer as a final assistant message, or give a \"reference\"");
        }
        return new Read(all.subList(0, all.size() - 1), null, (String) last.get("content"));
    }

    /** The fields of {@code n} other than {@code used}, in file order. */
    private static Map<String, Object> extras(JsonNode n, List<String> used) {
        Map<String, Object> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            if (!used.contains(e.getKey())) {
                out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue());
            }
        });
        return out;
    }

    /** The layout of the file, detected from its first record. */
    public DataLayout layout() {
        return layout;
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
