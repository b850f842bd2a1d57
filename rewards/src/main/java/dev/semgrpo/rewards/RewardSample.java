package dev.semgrpo.rewards;

import java.util.List;
import java.util.Map;

/**
 * One completion to score.
 *
 * @param prompt the prompt it answers (may be empty)
 * @param completion the generated text (may be empty)
 * @param references reference answers (may be empty: rewards that need one give 0)
 * @param metadata extra fields of the data record (those its layout does not read, e.g. an id or a label): a
 *     String for a text field, the JSON value (a Jackson {@code JsonNode}) otherwise
 */
public record RewardSample(String prompt, String completion, List<String> references, Map<String, Object> metadata) {
    public RewardSample {
        prompt = prompt == null ? "" : prompt;
        completion = completion == null ? "" : completion;
        references = references == null ? List.of() : List.copyOf(references);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    public static RewardSample of(String completion, String... references) {
        return new RewardSample("", completion, List.of(references), Map.of());
    }

    /** References that are not {@linkplain #isEmptyText empty}. */
    public List<String> usableReferences() {
        return references.stream().filter(r -> r != null && !isEmptyText(r)).toList();
    }

    /** True when the completion is {@linkplain #isEmptyText empty}: reference-based rewards give it 0. */
    public boolean emptyCompletion() {
        return isEmptyText(completion);
    }

    /**
     * The one definition of an empty text for rewards: no code point other than white space (Java's whitespace
     * and Unicode space separators, so also U+00A0 and U+3000), control characters and format characters (U+200B
     * zero-width space, U+FEFF byte-order mark, U+200D joiner). Such a text carries nothing an encoder or an overlap
     * metric should score. The text is read as it comes: special tokens were already removed when it was decoded.
     */
    public static boolean isEmptyText(String text) {
        return text.codePoints().allMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c)
                || Character.getType(c) == Character.CONTROL || Character.getType(c) == Character.FORMAT);
    }
}
