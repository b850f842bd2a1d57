package dev.semgrpo.rewards.custom;

import dev.semgrpo.rewards.RewardFunction;
import dev.semgrpo.rewards.RewardOutput;
import dev.semgrpo.rewards.RewardSample;
import java.util.List;
import java.util.Map;

/** Reward classes that {@code type: class} loads by name in the tests, good and bad. */
public final class TestRewards {
    private TestRewards() {
    }

    /** {@code -|length - target|} in characters, with {@code target} and {@code scale} from args. */
    public static final class DistanceToLength implements RewardFunction {
        private final int target;
        private final double scale;

        public DistanceToLength(Map<String, Object> args) {
            Object t = args.get("target");
            if (!(t instanceof Integer i) || i < 0) {
                throw new IllegalArgumentException("args.target must be a whole number >= 0, found " + t);
            }
            this.target = i;
            this.scale = args.get("scale") instanceof Number n ? n.doubleValue() : 1.0;
        }

        @Override
        public String name() {
            return "distance_to_length";
        }

        @Override
        public RewardOutput score(List<RewardSample> batch) {
            float[] r = new float[batch.size()];
            float[] len = new float[batch.size()];
            for (int i = 0; i < r.length; i++) {
                len[i] = batch.get(i).completion().length();
                r[i] = (float) (-scale * Math.abs(len[i] - target));
            }
            return new RewardOutput(r, Map.of("distance_to_length", r, "completion_chars", len));
        }
    }

    /** 1 for every completion; built with its no-argument constructor. */
    public static class One implements RewardFunction {
        @Override
        public String name() {
            return "one";
        }

        @Override
        public RewardOutput score(List<RewardSample> batch) {
            float[] r = new float[batch.size()];
            java.util.Arrays.fill(r, 1f);
            return RewardOutput.single(name(), r);
        }
    }

    /** Not a reward function. */
    public static final class NotAReward {
    }

    /** A reward whose only constructor takes a String. */
    public static final class WrongConstructor extends One {
        public WrongConstructor(String s) {
        }
    }

    /** A reward without a name. */
    public static final class Nameless extends One {
        @Override
        public String name() {
            return " ";
        }
    }

    /** An abstract reward. */
    public abstract static class Abstract implements RewardFunction {
    }
}
