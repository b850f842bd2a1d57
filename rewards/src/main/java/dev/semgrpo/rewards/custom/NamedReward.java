package dev.semgrpo.rewards.custom;

import dev.semgrpo.rewards.RewardFunction;
import dev.semgrpo.rewards.RewardOutput;
import dev.semgrpo.rewards.RewardSample;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reward function under the name its config gives it; a component the function keys by its own name is keyed
 * by the new one. Closing it closes the function when that is {@link AutoCloseable}.
 */
public final class NamedReward implements RewardFunction, AutoCloseable {
    private final String name;
    private final RewardFunction function;

    public NamedReward(String name, RewardFunction function) {
        this.name = name;
        this.function = function;
    }

    /** The function as is when it already has {@code name}, else under it. */
    public static RewardFunction of(String name, RewardFunction function) {
        return name == null || name.equals(function.name()) ? function : new NamedReward(name, function);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean needsReferences() {
        return function.needsReferences();
    }

    @Override
    public RewardOutput score(List<RewardSample> batch) {
        RewardOutput out = function.score(batch);
        Map<String, float[]> components = new LinkedHashMap<>();
        out.components().forEach((k, v) -> components.put(k.equals(function.name()) ? name : k, v));
        return new RewardOutput(out.rewards(), components);
    }

    @Override
    public void close() throws Exception {
        if (function instanceof AutoCloseable c) {
            c.close();
        }
    }
}
