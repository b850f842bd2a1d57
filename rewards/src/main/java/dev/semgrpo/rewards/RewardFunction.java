package dev.semgrpo.rewards;

import java.util.List;

/** A batch of completions to one float each, plus named components for logging. */
public interface RewardFunction {
    /** Name used in configs, logs and component keys. */
    String name();

    /** Scores {@code batch}; the result has one reward per sample, in order, and never NaN or infinity. */
    RewardOutput score(List<RewardSample> batch);

    /** True when the function compares with references, so that a sample without one cannot be scored by it. */
    default boolean needsReferences() {
        return false;
    }
}
