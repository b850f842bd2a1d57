package dev.semgrpo.trainer.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.Jsonl;
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
 * Training records (prompt or chat messages, and a reference) tokenised once, served in an order that depends only
 * on (seed, epoch), so a resumed run sees exactly the records the uninterrupted run would.
 */
public final class PromptDataset {
    /**
     * @param index position in the file (after the limit)
     * @param promptText the prompt as the model sees it (chat template applied when configured)
     * @param promptIds its token ids
     * @param reference the reference answer
     */
    public record Example(int index, String promptText, int[] promptIds, String reference) {
    }

    private final List<Example> examples;
    private final long seed;
    private final boolean shuffle;

    private PromptDataset(List<Example> examples, long seed, boolean shuffle) {
        this.examples = examples;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    public static PromptDataset load(Settings.Data d, TextTokenizer tok, long seed) throws IOException {
        List<Example> out = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.read(d.path())) {
            if (d.limit() != null && out.size() >= d.limit()) {
                break;
            }
            String where = d.path() + ":" + line.number();
            JsonNode n = line.node();
            try {
                String text;
                if (n.has("messages")) {
                    List<Map<String, Object>> msgs = new ArrayList<>();
                    for (JsonNode m : n.get("messages")) {
                        Map<String, Object> msg = new LinkedHashMap<>();
                        msg.put("role", m.path("role").asText());
                        msg.put("content", m.path("content").asText());
                        msgs.add(msg);
                    }
                    text = tok.applyChatTemplate(msgs, true, null);
                } else if (n.path(d.promptField()).isTextual()) {
                    String p = n.get(d.promptField()).asText();
                    if (d.chat()) {
                        Map<String, Object> msg = new LinkedHashMap<>();
                        msg.put("role", "user");
                        msg.put("content", p);
                        text = tok.applyChatTemplate(List.of(msg), true, null);
                    } else {
                        text = p;
                    }
                } else {
                    throw new IllegalArgumentException("needs a string \"" + d.promptField() + "\" or \"messages\"");
                }
                int[] ids = d.chat() || n.has("messages") ? tok.encodeRaw(text) : tok.encode(text);
                if (ids.length == 0 || ids.length > d.maxPromptLength()) {
                    throw new IllegalArgumentException("prompt has " + ids.length + " tokens; data.max_prompt_length is "
                            + d.maxPromptLength());
                }
                JsonNode ref = n.get(d.referenceField());
                if (ref == null || !ref.isTextual()) {
                    throw new IllegalArgumentException("needs a string \"" + d.referenceField() + "\"");
                }
                out.add(new Example(out.size(), text, ids, ref.asText()));
            } catch (IllegalArgumentException | IllegalStateException e) {
                errors.add(where + ": " + e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(errors.size() + " bad record(s); fix them and run again:\n  "
                    + String.join("\n  ", errors.subList(0, Math.min(20, errors.size()))));
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
