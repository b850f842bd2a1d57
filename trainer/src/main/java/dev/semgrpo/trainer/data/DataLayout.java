package dev.semgrpo.trainer.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The record layouts a training file may have (SFT and GRPO read the same ones): semgrpo's prompt/reference and
 * TRL's prompt-completion and conversational layouts. A file has one layout, detected from its first record; every
 * other record must have the same one. The prompt is read from {@code data.prompt_field} (default {@code prompt}),
 * the answer from {@code data.reference_field} (default {@code reference}) or, in TRL's layouts, {@code completion}
 * or the final assistant message. Fields a layout does not read are kept as the record's extra fields (rewards get
 * them, as TRL's reward functions get a data set's other columns).
 */
public enum DataLayout {
    /** A string prompt and a string reference (semgrpo's own). */
    PROMPT_REFERENCE("prompt/reference", "{\"prompt\": \"Translate into Tibetan: hello\", \"reference\": \"...\"}"),
    /** A prompt of chat messages and a string reference (TRL's conversational prompt-only data with an answer). */
    CONVERSATIONAL_PROMPT_REFERENCE("conversational prompt/reference",
            "{\"prompt\": [{\"role\": \"user\", \"content\": \"Translate: hello\"}], \"reference\": \"...\"}"),
    /** Chat messages as the prompt and a string reference. */
    MESSAGES_REFERENCE("messages/reference",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"Translate: hello\"}], \"reference\": \"...\"}"),
    /** TRL's standard prompt-completion: two strings. */
    PROMPT_COMPLETION("prompt-completion (TRL standard)",
            "{\"prompt\": \"Translate into Tibetan: hello\", \"completion\": \"...\"}"),
    /** TRL's conversational prompt-completion: prompt messages and a completion list of one assistant message. */
    CONVERSATIONAL_PROMPT_COMPLETION("prompt-completion (TRL conversational)",
            "{\"prompt\": [{\"role\": \"user\", \"content\": \"Translate: hello\"}], \"completion\": [{\"role\":"
                    + " \"assistant\", \"content\": \"...\"}]}"),
    /** TRL's conversational language-modeling data: the final assistant message is the reference. */
    MESSAGES("messages (TRL conversational)", "{\"messages\": [{\"role\": \"user\", \"content\": \"Translate: hello\"},"
            + " {\"role\": \"assistant\", \"content\": \"...\"}]}");

    /** The field TRL's prompt-completion layouts keep the answer in. */
    public static final String COMPLETION = "completion";
    /** The field of a whole conversation. */
    public static final String MESSAGES_FIELD = "messages";

    private final String label;
    private final String example;

    DataLayout(String label, String example) {
        this.label = label;
        this.example = example;
    }

    /** The layout's name in messages, e.g. "prompt-completion (TRL standard)". */
    public String label() {
        return label;
    }

    /** True when the prompt is a list of chat messages, rendered by the chat template whatever data.chat says. */
    public boolean conversational() {
        return this != PROMPT_REFERENCE && this != PROMPT_COMPLETION;
    }

    /** The fields this layout reads; the record's other fields are its extra fields. */
    public List<String> fields(String promptField, String referenceField) {
        return switch (this) {
            case PROMPT_REFERENCE, CONVERSATIONAL_PROMPT_REFERENCE -> List.of(promptField, referenceField);
            case MESSAGES_REFERENCE -> List.of(MESSAGES_FIELD, referenceField);
            case PROMPT_COMPLETION, CONVERSATIONAL_PROMPT_COMPLETION -> List.of(promptField, COMPLETION);
            case MESSAGES -> List.of(MESSAGES_FIELD);
        };
    }

    /**
     * The layout of one record.
     *
     * @throws IllegalArgumentException when the record has none, or two at once; the message names the fields
     *     found and what to change (the list of layouts is {@link #accepted})
     */
    public static DataLayout of(JsonNode record, String promptField, String referenceField) {
        boolean messages = record.has(MESSAGES_FIELD) && !promptField.equals(MESSAGES_FIELD);
        boolean prompt = record.has(promptField);
        boolean reference = record.has(referenceField);
        boolean completion = record.has(COMPLETION) && !referenceField.equals(COMPLETION);
        if (messages && prompt) {
            throw new IllegalArgumentException("has both \"messages\" and \"" + promptField + "\"; keep one");
        }
        if (reference && completion) {
            throw new IllegalArgumentException("has both \"" + referenceField + "\" and \"completion\", so the answer"
                    + " is ambiguous; keep one (or rename one, e.g. with --set data.reference_field=completion)");
        }
        if (messages) {
            if (completion) {
                throw new IllegalArgumentException("has \"messages\" and \"completion\", which is no accepted layout:"
                        + " put the answer as the final assistant message, or use \"prompt\" with \"completion\"");
            }
            return reference ? MESSAGES_REFERENCE : MESSAGES;
        }
        if (prompt && (reference || completion)) {
            JsonNode p = record.get(promptField);
            if (!p.isTextual() && !p.isArray()) {
                throw new IllegalArgumentException("\"" + promptField + "\" must be a string or a list of chat"
                        + " messages, found " + p.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
            }
            if (reference) {
                return p.isTextual() ? PROMPT_REFERENCE : CONVERSATIONAL_PROMPT_REFERENCE;
            }
            return p.isTextual() ? PROMPT_COMPLETION : CONVERSATIONAL_PROMPT_COMPLETION;
        }
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = record.fieldNames(); it.hasNext();) {
            keys.add(it.next());
        }
        String missing = prompt
                ? "has \"" + promptField + "\" but neither \"" + referenceField + "\" nor \"completion\""
                : "has no \"" + promptField + "\" or \"messages\"";
        throw new IllegalArgumentException(missing + " (its fields: " + String.join(", ", keys) + "), so it has none"
                + " of the accepted layouts");
    }

    /**
     * The accepted layouts, one line and an example each, and how to map other field names; {@code keys} are the
     * first record's fields (for a mapping that fits them), may be empty.
     */
    public static String accepted(String promptField, String referenceField, List<String> keys) {
        StringBuilder sb = new StringBuilder("Accepted layouts (one per file, detected from its first record):");
        for (DataLayout l : values()) {
            String ex = l.example.replace("\"prompt\"", "\"" + promptField + "\"")
                    .replace("\"reference\"", "\"" + referenceField + "\"");
            sb.append("\n    ").append(l.label).append(": ").append(ex);
        }
        List<String> others = keys.stream().filter(k -> !k.equals(promptField) && !k.equals(referenceField)
                && !k.equals(MESSAGES_FIELD) && !k.equals(COMPLETION)).toList();
        String p = others.size() >= 2 ? others.get(0) : "question";
        String r = others.size() >= 2 ? others.get(1) : "answer";
        sb.append("\n  Fields with other names map onto prompt/reference: --set data.prompt_field=").append(p)
                .append(" data.reference_field=").append(r).append(" (or those keys under data: in the config)");
        return sb.toString();
    }
}
