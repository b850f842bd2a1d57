package dev.semgrpo.eval.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.shard.Block;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.eval.shard.Slice;
import dev.semgrpo.model.generate.NonFiniteLogitsException;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Forgetting on out-of-domain text: per-token NLL of the model, and per-token KL(reference || model) against a
 * reference (the base), each reported as mean over tokens and P90, as the paper does.
 *
 * <p>A document's tokens are {@code encode(text)} (BOS first when the tokenizer adds one). Every token after the
 * first is scored, in windows: a window predicts up to {@code stride} new tokens and sees up to {@code max_length}
 * tokens, the earlier ones as context (stride = max_length - 1 by default: disjoint windows). At each scored
 * position, NLL = -log p_model(token | prefix) and KL = sum_v p_ref(v) (log p_ref(v) - log p_model(v)) over the whole
 * vocabulary, both in nats. Logits are computed in FP32. These need the model's whole distribution at every
 * position, so perplexity tasks run on the local engine only ({@link EvalContext#model()}), never on a server.
 */
public final class PerplexityTask {
    private PerplexityTask() {
    }

    /** The task's blocks: one document each (a document's windows are scored one at a time, unbatched). */
    public static List<Block> blocks(int examples) {
        return Block.every(1, examples);
    }

    /**
     * Scores the shard's documents of {@code examples} (all of the task's documents; {@link Shard#WHOLE} scores
     * every one).
     */
    public static TaskOutcome run(String task, TaskConfig config, List<TaskExample> examples, Shard shard,
            EvalContext ctx) {
        CausalLM model = ctx.localModel(task); // the full distribution: never through a server
        Slice slice = shard.slice(examples.size(), blocks(examples.size()));
        int[] indices = slice.indices();
        TaskConfig.Perplexity p = config.perplexity() == null ? new TaskConfig.Perplexity(null, null, null)
                : config.perplexity();
        int maxLength = p.maxLength() != null ? p.maxLength() : Math.min(1024, model.maxPositions());
        if (maxLength > model.maxPositions()) {
            throw new IllegalArgumentException("task '" + task + "': perplexity.max_length=" + maxLength + " exceeds "
                    + "the model's max_position_embeddings=" + model.maxPositions());
        }
        int stride = Math.min(p.stride() != null ? p.stride() : maxLength - 1, maxLength - 1);
        boolean kl = ctx.reference() != null && (p.kl() == null || p.kl());
        TextTokenizer tok = ctx.tokenizer();

        List<int[]> docs = new ArrayList<>();
        long windows = 0;
        for (int i : indices) {
            TaskExample e = examples.get(i);
            int[] ids = tok.encode(e.vars().get("text"));
            if (ids.length < 2) {
                throw new IllegalArgumentException("task '" + task + "', example '" + e.id() + "' (line " + e.line()
                        + ") has " + Plural.of(ids.length, "token") + "; at least 2 are needed to score one");
            }
            docs.add(ids);
            windows += (ids.length - 1 + stride - 1) / stride;
        }
        ctx.progress().start(task, windows);
        long done = 0;
        List<ExampleRecord> records = new ArrayList<>();
        long tokens = 0;
        for (int d = 0; d < docs.size(); d++) {
            int[] ids = docs.get(d);
            float[] nll = new float[ids.length - 1];
            float[] kls = kl ? new float[ids.length - 1] : null;
            for (int a = 1; a < ids.length; a += stride) {
                int b = Math.min(ids.length, a + stride);
                int s = Math.max(0, b - maxLength);
                int[] window = Arrays.copyOfRange(ids, s, b);
                int[] targets = Arrays.copyOfRange(ids, a, b);
                float[][] out = score(ctx, window, a - 1 - s, targets, kl);
                requireFinite(ctx, out, window, "scoring task '" + task + "', example '"
                        + examples.get(indices[d]).id() + "', tokens " + s + ".." + b);
                System.arraycopy(out[0], 0, nll, a - 1, targets.length);
                if (kl) {
                    System.arraycopy(out[1], 0, kls, a - 1, targets.length);
                }
                ctx.progress().update(++done);
            }
            tokens += nll.length;
            Map<String, float[]> tv = new HashMap<>();
            tv.put("nll", nll);
            Map<String, Double> scores = new HashMap<>();
            scores.put("nll", mean(nll));
            if (kl) {
                tv.put("kl", kls);
                scores.put("kl", mean(kls));
            }
            TaskExample e = examples.get(indices[d]);
            records.add(new ExampleRecord(e.id(), e.vars().get("text"), "", List.of(), scores, null, tv, null));
        }
        List<MetricResult> metrics = new ArrayList<>();
        add(metrics, "nll_mean", new Aggregate.TokenMean("nll"), records);
        add(metrics, "nll_p90", new Aggregate.TokenQuantile("nll", 0.9), records);
        if (kl) {
            add(metrics, "kl_mean", new Aggregate.TokenMean("kl"), records);
            add(metrics, "kl_p90", new Aggregate.TokenQuantile("kl", 0.9), records);
        }
        ObjectNode notes = JsonNodeFactory.instance.objectNode();
        notes.put("tokens", tokens);
        notes.put("max_length", maxLength);
        notes.put("stride", stride);
        notes.put("kl_reference", !kl ? "none" : ctx.referenceIsBase() ? "base (adapter disabled)"
                : String.valueOf(ctx.reference().sourceDir()));
        return new TaskOutcome(records, metrics, notes, slice);
    }

    private static void add(List<MetricResult> out, String name, Aggregate a, List<ExampleRecord> records) {
        out.add(new MetricResult(name, a.compute(records), a, false, null));
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    /**
     * NLL (and KL) of {@code targets}, predicted from positions {@code first .. first + targets.length - 1} of the
     * window.
     */
    static float[][] score(EvalContext ctx, int[] window, int first, int[] targets, boolean kl) {
        CausalLM model = ctx.model();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray logp = logProbs(model, m, window, first, targets.length, ctx.referenceIsBase() ? Boolean.TRUE
                    : null); // (n, V)
            NDArray idx = m.create(Arrays.stream(targets).asLongStream().toArray(), new Shape(targets.length, 1));
            float[] nll = logp.gather(idx, 1).neg().toFloatArray();
            if (!kl) {
                return new float[][] {nll};
            }
            NDArray refLogp;
            if (ctx.referenceIsBase()) {
                refLogp = logProbs(model, m, window, first, targets.length, Boolean.FALSE);
            } else {
                refLogp = logProbs(ctx.reference(), m, window, first, targets.length, null);
                if (refLogp.getShape().get(1) != logp.getShape().get(1)) {
                    throw new IllegalArgumentException("the reference model's vocabulary (" + refLogp.getShape().get(1)
                            + ") differs from the model's (" + logp.getShape().get(1) + "); KL needs the same "
                            + "tokenizer and vocabulary");
                }
                refLogp = refLogp.toDevice(logp.getDevice(), false);
            }
            float[] klv = refLogp.exp().mul(refLogp.sub(logp)).sum(new int[] {1}).toFloatArray();
            for (int i = 0; i < klv.length; i++) {
                klv[i] = Math.max(0f, klv[i]); // rounding can give -1e-8 for identical distributions
            }
            return new float[][] {nll, klv};
        }
    }

    /**
     * Stops with a {@link NonFiniteLogitsException} when the window's NLL (the model) or KL (the reference as well)
     * holds a non-finite value: the pulled values show what the logits were, at no extra device cost.
     */
    private static void requireFinite(EvalContext ctx, float[][] out, int[] window, String what) {
        for (int k = 0; k < out.length; k++) {
            for (float x : out[k]) {
                if (Float.isFinite(x)) {
                    continue;
                }
                CausalLM model = ctx.model();
                NonFiniteLogitsException e = NonFiniteLogitsException.diagnose(model, what, window);
                if (k == 0 || e.site() != null) {
                    throw e;
                }
                // the model itself is finite here: the reference made the KL non-finite
                if (!ctx.referenceIsBase()) {
                    throw NonFiniteLogitsException.diagnose(ctx.reference(), what + " (reference model, for KL)",
                            window);
                }
                boolean before = model.adaptersEnabled();
                model.setAdaptersEnabled(false);
                try {
                    throw NonFiniteLogitsException.diagnose(model, what + " (base model without adapters, for KL)",
                            window);
                } finally {
                    model.setAdaptersEnabled(before);
                }
            }
        }
    }

    /** log-softmax (n, V) at window positions first .. first+n-1; {@code adapters} switches adapters if non-null. */
    private static NDArray logProbs(CausalLM lm, NDManager m, int[] window, int first, int n, Boolean adapters) {
        boolean before = lm.adaptersEnabled();
        if (adapters != null) {
            lm.setAdaptersEnabled(adapters);
        }
        try (NDManager sub = lm.manager().newSubManager()) {
            NDArray ids = sub.create(Arrays.stream(window).asLongStream().toArray(), new Shape(1, window.length));
            NDArray hidden = lm.hidden(ids, null, null, null);
            NDArray h = hidden.get(new NDIndex("0, " + first + ":" + (first + n) + ", :"));
            NDArray out = lm.logits(h).toType(DataType.FLOAT32, false).logSoftmax(-1);
            out.attach(m);
            return out;
        } finally {
            lm.setAdaptersEnabled(before);
        }
    }
}
