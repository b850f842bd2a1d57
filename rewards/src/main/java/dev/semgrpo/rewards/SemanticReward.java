package dev.semgrpo.rewards;

import dev.semgrpo.rewards.encoder.SentenceEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The paper's semantic reward: {@code s} = the largest cosine between the completion's embedding and a reference's,
 * and {@code R_sim = 0 if s <= tau else (s - tau) / (1 - tau)}. An {@linkplain RewardSample#isEmptyText empty}
 * completion, or a sample without a usable reference, has no {@code s}: its R_sim is 0 whatever tau is (also a
 * negative tau), and its {@code s} component is logged as 0. Reference embeddings are cached across steps.
 * Components: {@code semantic} (R_sim) and {@code semantic_cosine} (s).
 */
public final class SemanticReward implements RewardFunction {
    private final String name;
    private final SentenceEncoder encoder;
    private final EmbeddingCache references;
    private final double tau;
    private final String prefix;

    /**
     * @param tau threshold in [-1, 1)
     * @param prefix put before completions and references alike (e.g. "query: " for e5 models)
     */
    public SemanticReward(String name, SentenceEncoder encoder, double tau, String prefix, int cacheCapacity) {
        if (!(tau >= -1 && tau < 1)) {
            throw new IllegalArgumentException("semantic tau must be in [-1, 1), found " + tau);
        }
        this.name = name;
        this.encoder = encoder;
        this.references = new EmbeddingCache(encoder, cacheCapacity);
        this.tau = tau;
        this.prefix = prefix == null ? "" : prefix;
    }

    /** The shaping itself. */
    public static double shape(double s, double tau) {
        return s <= tau ? 0 : (s - tau) / (1 - tau);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public RewardOutput score(List<RewardSample> batch) {
        double[] s = cosines(encoder, references, batch, prefix);
        float[] r = new float[batch.size()];
        float[] cos = new float[batch.size()];
        for (int i = 0; i < r.length; i++) {
            cos[i] = (float) s[i];
            r[i] = scorable(batch.get(i)) ? (float) shape(s[i], tau) : 0f;
        }
        Map<String, float[]> c = new LinkedHashMap<>();
        c.put(name, r);
        c.put(name + "_cosine", cos);
        return new RewardOutput(r, c);
    }

    /** True when the sample has a non-empty completion and a usable reference, so that it has a similarity. */
    static boolean scorable(RewardSample smp) {
        return !smp.emptyCompletion() && !smp.usableReferences().isEmpty();
    }

    @Override
    public boolean needsReferences() {
        return true;
    }

    /** Max cosine to the references per sample; 0 (meaning: none) for samples that are not {@link #scorable}. */
    static double[] cosines(SentenceEncoder encoder, EmbeddingCache refCache, List<RewardSample> batch, String prefix) {
        double[] out = new double[batch.size()];
        List<String> texts = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        List<String> refs = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            RewardSample smp = batch.get(i);
            if (scorable(smp)) {
                texts.add(smp.completion());
                rows.add(i);
                refs.addAll(smp.usableReferences());
            }
        }
        if (texts.isEmpty()) {
            return out;
        }
        float[][] hyp = encoder.encode(texts, prefix);
        float[][] ref = refCache.get(refs, prefix);
        int k = 0;
        for (int j = 0; j < rows.size(); j++) {
            double best = -1;
            for (int m = 0; m < batch.get(rows.get(j)).usableReferences().size(); m++) {
                best = Math.max(best, cosine(hyp[j], ref[k++]));
            }
            out[rows.get(j)] = best;
        }
        return out;
    }

    /** Cosine similarity of two vectors; 0 when either is zero. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /**
     * What {@code tau: auto} found.
     *
     * @param percentile the configured percentile (0-100)
     * @param percentileValue that percentile of {@code s} over the usable records, before the floor
     * @param floor the smallest tau calibration may give ({@code tau_floor})
     * @param tau the tau used: {@code min(max(percentileValue, floor), 0.999)}
     * @param records calibration records read
     * @param used records with a non-empty completion and a reference (the others have no {@code s})
     */
    public record TauCalibration(double percentile, double percentileValue, double floor, double tau, int records,
            int used) {
        /** True when the floor raised tau above the percentile. */
        public boolean floored() {
            return percentileValue < floor;
        }

        /**
         * One line for logs, e.g. {@code tau = 0.0000 (percentile 10 of s = -0.0640 over 24 of 24 records, raised to
         * tau_floor 0.0000)}.
         */
        public String describe() {
            String p = percentile == Math.rint(percentile) ? String.valueOf((long) percentile)
                    : String.valueOf(percentile);
            return String.format(java.util.Locale.ROOT,
                    "tau = %.4f (percentile %s of s = %.4f over %d of %d records%s)", tau, p, percentileValue, used,
                    records, floored() ? String.format(java.util.Locale.ROOT, ", raised to tau_floor %.4f", floor) : "");
        }
    }

    /** The default {@code tau_floor}: similarity at or below 0 (unrelated or opposed embeddings) is never paid. */
    public static final double DEFAULT_TAU_FLOOR = 0.0;

    /**
     * {@code tau: auto}: the given percentile (0-100, linear interpolation) of s over a calibration set, e.g. the
     * cold-start model's outputs against their references, so that R_sim rewards what is above minimal adequacy;
     * raised to {@code floor} when the percentile is below it, and capped at 0.999.
     */
    public static TauCalibration calibrateTau(SentenceEncoder encoder, List<RewardSample> calibration,
            double percentile, double floor, String prefix) {
        if (!(percentile >= 0 && percentile <= 100)) {
            throw new IllegalArgumentException("tau percentile must be in [0, 100], found " + percentile);
        }
        if (!(floor >= -1 && floor < 1)) {
            throw new IllegalArgumentException("tau_floor must be in [-1, 1), found " + floor);
        }
        List<RewardSample> usable = calibration.stream().filter(SemanticReward::scorable).toList();
        if (usable.isEmpty()) {
            throw new IllegalArgumentException("tau: auto needs calibration records with a non-empty completion and a"
                    + " reference; none of the " + calibration.size() + " records has both (empty completions have"
                    + " no similarity): calibrate on outputs of a model that answers, on more records, or set tau to a"
                    + " number");
        }
        double[] s = cosines(encoder, new EmbeddingCache(encoder, Math.max(1, usable.size() * 4)), usable,
                prefix == null ? "" : prefix);
        double raw = percentile(s, percentile);
        return new TauCalibration(percentile, raw, floor, Math.min(Math.max(raw, floor), 0.999), calibration.size(),
                usable.size());
    }

    static double percentile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        double pos = p / 100 * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }
}
