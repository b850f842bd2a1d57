package dev.semgrpo.rewards;

import java.lang.Character.UnicodeScript;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The paper's R_lang: 1 when the share of letters in the target script(s) is at least {@code threshold}, else 0.
 * Letters here are letters, combining marks and a script's own digits ({@link Scripts#count}): a number in Tibetan
 * digits is Tibetan, one in ASCII digits belongs to no script. Mixed output (for example half Tibetan, half Chinese)
 * falls below the threshold and scores 0; text without such characters scores 0. The soft variant gives
 * {@code min(1, share / threshold)}. Components: {@code language} and {@code language_share}.
 */
public final class LanguageReward implements RewardFunction {
    private final String name;
    private final Set<UnicodeScript> scripts;
    private final double threshold;
    private final boolean soft;

    public LanguageReward(String name, Set<UnicodeScript> scripts, double threshold, boolean soft) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("language threshold must be in (0, 1], found " + threshold);
        }
        this.name = name;
        this.scripts = Set.copyOf(scripts);
        this.threshold = threshold;
        this.soft = soft;
    }

    @Override
    public String name() {
        return name;
    }

    /** Share of target-script letters (and digits) among all (0 without any). */
    public double share(String text) {
        int[] c = Scripts.count(text, scripts);
        return c[1] == 0 ? 0 : (double) c[0] / c[1];
    }

    @Override
    public RewardOutput score(List<RewardSample> batch) {
        float[] r = new float[batch.size()];
        float[] shares = new float[batch.size()];
        for (int i = 0; i < r.length; i++) {
            double s = share(batch.get(i).completion());
            shares[i] = (float) s;
            r[i] = soft ? (float) Math.min(1, s / threshold) : (s >= threshold ? 1f : 0f);
        }
        Map<String, float[]> c = new LinkedHashMap<>();
        c.put(name, r);
        c.put(name + "_share", shares);
        return new RewardOutput(r, c);
    }
}
