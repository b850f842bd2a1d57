package dev.semgrpo.eval.task;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.rewards.SemanticReward;
import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Semantic similarity: cosine between the sentence embeddings of the output and each reference (max over
 * references), per example in [-1, 1]; the task's value is the mean. The encoder is the one of the semantic reward
 * (or any sentence-transformers directory).
 */
public final class Similarity {
    /**
     * The task note (summary.json {@code config.notes}) that records the sentence encoder's directory as the
     * evaluation was given it; the metric's signature holds only the directory's name.
     */
    public static final String ENCODER_NOTE = "similarity_encoder";

    private Similarity() {
    }

    /**
     * Per-example cosine of outputs to their references, embedded by {@code enc} (the outputs in one call, the
     * references in another).
     */
    public static double[] cosines(PooledSentenceEncoder enc, String prefix, List<String> outputs,
            List<List<String>> references) {
        List<String> refsFlat = new ArrayList<>();
        for (List<String> r : references) {
            refsFlat.addAll(r);
        }
        float[][] out = enc.encode(outputs, prefix);
        float[][] ref = enc.encode(refsFlat, prefix);
        double[] cos = new double[outputs.size()];
        int k = 0;
        for (int i = 0; i < outputs.size(); i++) {
            double best = -1;
            for (int j = 0; j < references.get(i).size(); j++) {
                best = Math.max(best, SemanticReward.cosine(out[i], ref[k++]));
            }
            cos[i] = references.get(i).isEmpty() ? 0 : best;
        }
        return cos;
    }

    /** The task-level metric over records holding a {@code similarity} score. */
    public static MetricResult summarize(List<ExampleRecord> records, Path encoderDir) {
        Aggregate a = new Aggregate.Mean("similarity");
        return new MetricResult("similarity", a.compute(records), a, true,
                "encoder:" + encoderDir.getFileName() + "|pool:max-over-refs|cos");
    }
}
