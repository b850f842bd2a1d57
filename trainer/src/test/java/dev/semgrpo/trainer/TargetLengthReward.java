package dev.semgrpo.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.rewards.RewardFunction;
import dev.semgrpo.rewards.RewardOutput;
import dev.semgrpo.rewards.RewardSample;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A user's reward class for {@link CustomRewardRunTest}: {@code -scale * |characters - target_chars| / 10}, with
 * {@code target_chars} an extra field of each data record and {@code scale} from the config's args. It records the
 * record ids it was given, so the test can see the extra fields arrive.
 */
public final class TargetLengthReward implements RewardFunction {
    /** The {@code id} fields seen, across instances. */
    static final Set<String> SEEN_IDS = ConcurrentHashMap.newKeySet();

    private final double scale;

    public TargetLengthReward(Map<String, Object> args) {
        if (!(args.get("scale") instanceof Number n)) {
            throw new IllegalArgumentException("args.scale must be a number, found " + args.get("scale"));
        }
        this.scale = n.doubleValue();
    }

    @Override
    public String name() {
        return "target_length";
    }

    @Override
    public RewardOutput score(List<RewardSample> batch) {
        float[] r = new float[batch.size()];
        for (int i = 0; i < r.length; i++) {
            RewardSample s = batch.get(i);
            if (!(s.metadata().get("target_chars") instanceof JsonNode t) || !t.isInt()) {
                throw new IllegalStateException("no target_chars in " + s.metadata());
            }
            SEEN_IDS.add((String) s.metadata().get("id"));
            r[i] = (float) (-scale * Math.abs(s.completion().length() - t.intValue()) / 10.0);
        }
        return RewardOutput.single(name(), r);
    }
}
