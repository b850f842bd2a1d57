package dev.semgrpo.rewards;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code R = sum_i w_i R_i}. Components: {@code reward} (the total), each function's reward under its name, and the
 * functions' own sub-components. A NaN or infinite value is an error that names the function and the sample.
 */
public final class CombinedReward implements RewardFunction, AutoCloseable {
    /** A function and its weight. */
    public record Weighted(RewardFunction function, double weight) {
        public Weighted {
            if (!Double.isFinite(weight)) {
                throw new IllegalArgumentException("weight of '" + function.name() + "' must be finite, found " + weight);
            }
        }
    }

    private final List<Weighted> parts;

    public CombinedReward(List<Weighted> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a combined reward needs at least one function");
        }
        List<String> names = new ArrayList<>();
        for (Weighted w : parts) {
            if (names.contains(w.function().name())) {
                throw new IllegalArgumentException("reward '" + w.function().name() + "' appears twice; give each a"
                        + " distinct name");
            }
            names.add(w.function().name());
        }
        this.parts = List.copyOf(parts);
    }

    public List<Weighted> parts() {
        return parts;
    }

    @Override
    public String name() {
        return "reward";
    }

    /** True when any part needs references. */
    @Override
    public boolean needsReferences() {
        return parts.stream().anyMatch(w -> w.function().needsReferences());
    }

    @Override
    public RewardOutput score(List<RewardSample> batch) {
        float[] total = new float[batch.size()];
        Map<String, float[]> components = new LinkedHashMap<>();
        components.put("reward", total);
        for (Weighted w : parts) {
            RewardFunction f = w.function();
            RewardOutput out = f.score(batch);
            if (out.rewards().length != batch.size()) {
                throw new IllegalStateException("reward '" + f.name() + "' returned " + out.rewards().length
                        + " values for " + batch.size() + " samples");
            }
            for (Map.Entry<String, float[]> c : out.components().entrySet()) {
                check(f.name() + (c.getKey().equals(f.name()) ? "" : "/" + c.getKey()), c.getValue(), batch);
                components.put(c.getKey(), c.getValue());
            }
            check(f.name(), out.rewards(), batch);
            components.put(f.name(), out.rewards());
            for (int i = 0; i < total.length; i++) {
                total[i] += (float) (w.weight() * out.rewards()[i]);
            }
        }
        return new RewardOutput(total, components);
    }

    private static void check(String name, float[] values, List<RewardSample> batch) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                String c = batch.get(i).completion();
                throw new IllegalStateException("reward '" + name + "' gave " + values[i] + " for sample " + i
                        + " (completion \"" + (c.length() > 60 ? c.substring(0, 60) + "..." : c) + "\")");
            }
        }
    }

    @Override
    public void close() {
        for (Weighted w : parts) {
            if (w.function() instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing reward '" + w.function().name() + "': " + e.getMessage(),
                            e);
                }
            }
        }
    }
}
