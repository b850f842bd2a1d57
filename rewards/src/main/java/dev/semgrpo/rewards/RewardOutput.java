package dev.semgrpo.rewards;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Scores of a batch: one reward per completion and named components (for logging) of the same length.
 *
 * @param rewards the reward of each completion
 * @param components named per-completion values behind it (e.g. the raw cosine behind the semantic reward)
 */
public record RewardOutput(float[] rewards, Map<String, float[]> components) {
    public RewardOutput {
        components = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(components));
        for (Map.Entry<String, float[]> e : components.entrySet()) {
            if (e.getValue().length != rewards.length) {
                throw new IllegalArgumentException("component '" + e.getKey() + "' has " + e.getValue().length
                        + " values for " + rewards.length + " completions");
            }
        }
    }

    /** A reward that is its own only component. */
    public static RewardOutput single(String name, float[] rewards) {
        return new RewardOutput(rewards, Map.of(name, rewards));
    }
}
