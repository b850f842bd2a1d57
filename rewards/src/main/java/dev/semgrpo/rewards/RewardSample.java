package dev.semgrpo.rewards;

import java.util.List;
import java.util.Map;

/**
 * One completion to score.
 *
 * @param prompt the prompt it answers (may be empty)
 * @param completion the generated text (may be empty)
 * @param references reference answers (may be empty: rewards that need one give 0)
 * @param metadata extra fields of the data record
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

    /** References that hold more than whitespace. */
    public List<String> usableReferences() {
        return references.stream().filter(r -> r != null && !r.isBlank()).toList();
    }
}
