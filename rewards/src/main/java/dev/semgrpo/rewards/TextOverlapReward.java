package dev.semgrpo.rewards;

import dev.semgrpo.rewards.text.Bleu;
import dev.semgrpo.rewards.text.Chrf;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Ablation rewards: sentence chrF (or chrF++) or sentence BLEU against the references, scaled to [0, 1]. Empty
 * completions ({@link RewardSample#isEmptyText}) and samples without references score 0.
 */
public final class TextOverlapReward implements RewardFunction {
    private final String name;
    private final BiFunction<String, List<String>, Double> metric;

    private TextOverlapReward(String name, BiFunction<String, List<String>, Double> metric) {
        this.name = name;
        this.metric = metric;
    }

    public static TextOverlapReward chrf(String name, Chrf chrf) {
        return new TextOverlapReward(name, chrf::sentence);
    }

    public static TextOverlapReward bleu(String name, Bleu bleu) {
        return new TextOverlapReward(name, bleu::sentence);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean needsReferences() {
        return true;
    }

    @Override
    public RewardOutput score(List<RewardSample> batch) {
        float[] r = new float[batch.size()];
        for (int i = 0; i < r.length; i++) {
            RewardSample s = batch.get(i);
            List<String> refs = s.usableReferences();
            r[i] = s.emptyCompletion() || refs.isEmpty() ? 0f : (float) (metric.apply(s.completion(), refs) / 100);
        }
        return RewardOutput.single(name, r);
    }
}
