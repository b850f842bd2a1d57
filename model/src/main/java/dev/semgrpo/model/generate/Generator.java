package dev.semgrpo.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.nn.KVCache;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Batched sampling of groups. Attached LoRA adapters are merged into the base weights for the call and taken out
 * exactly afterwards ({@link CausalLM#mergeAdaptersForDecoding}), so a LoRA policy decodes at the plain model's speed.
 * Prompts are left-padded and prefilled once; each prompt's KV cache rows are then
 * fanned out to its {@code n} samples. Every decode step runs on the device and pulls back one (rows, 3) array:
 * the drawn tokens, their log-probs and each row's sum of raw logits. A non-finite sum means non-finite logits (an
 * FP16 overflow, say) and stops generation with a {@link NonFiniteLogitsException} naming the layer. Finished rows
 * are dropped from the batch (and the cache) so they stop costing compute.
 *
 * <p>Each sample draws its uniforms from its own stream seeded by (seed, prompt index, sample index), so results
 * do not depend on batch size or on which other prompts share the batch. Prompts may carry their own
 * {@link StreamKey}s, so requests with different seeds share one batch (a server's scheduler).
 *
 * <p>Reported log-probs follow the {@link LogprobsMode} (default {@link LogprobsMode#PROCESSED}); with
 * {@link #topLogprobs} the k most likely alternatives of every generated token come back in the same pull,
 * (rows, 3 + 2k).
 */
public final class Generator {
    private final CausalLM model;
    private final TextTokenizer tokenizer;
    private final Set<Integer> eosIds;
    private final int padId;
    private int maxBatchRows = 64;
    private LogprobsMode logprobsMode = LogprobsMode.PROCESSED;
    private int topLogprobs;

    /** Most alternatives {@link #topLogprobs} returns per token (vLLM's and OpenAI's limit). */
    public static final int MAX_TOP_LOGPROBS = 20;

    /**
     * @param tokenizer decodes text and detects stop strings; null gives samples without text
     * @param eosIds tokens that end a sample
     * @param padId id used for left padding (never attended to)
     */
    public Generator(CausalLM model, TextTokenizer tokenizer, Set<Integer> eosIds, int padId) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.eosIds = Set.copyOf(eosIds);
        this.padId = padId;
    }

    /** A generator using the tokenizer's eos and pad ids. */
    public Generator(CausalLM model, TextTokenizer tokenizer) {
        this(model, tokenizer, tokenizer.eosIds(), tokenizer.padId());
    }

    /** Most sequences decoded together (prompts per batch = max(1, rows / n)). */
    public Generator maxBatchRows(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("max batch rows must be >= 1, found " + rows);
        }
        this.maxBatchRows = rows;
        return this;
    }

    /** Which distribution reported log-probs come from (default {@link LogprobsMode#PROCESSED}). */
    public Generator logprobsMode(LogprobsMode mode) {
        this.logprobsMode = java.util.Objects.requireNonNull(mode, "logprobs mode");
        return this;
    }

    /**
     * Also return the {@code k} most likely tokens at every generated position, with their log-probs under the
     * {@link #logprobsMode} distribution (default 0 = none; at most {@link #MAX_TOP_LOGPROBS}).
     */
    public Generator topLogprobs(int k) {
        if (k < 0 || k > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("top log-probs must be in [0, " + MAX_TOP_LOGPROBS + "], found " + k);
        }
        if (k > model.config().vocabSize()) {
            throw new IllegalArgumentException("top log-probs k=" + k + " exceeds the vocabulary size "
                    + model.config().vocabSize());
        }
        this.topLogprobs = k;
        return this;
    }

    /**
     * Samples {@code params.n()} completions for every prompt.
     *
     * @param progress called with the number of prompts finished so far (may be null)
     * @return per prompt, its group of completions in sample order
     */
    public List<List<Completion>> generate(List<int[]> prompts, SamplingParams params, IntConsumer progress) {
        return generate(prompts, 0, params, progress);
    }

    /**
     * As {@link #generate(List, SamplingParams, IntConsumer)}, for prompts that start at {@code firstIndex} of a
     * larger request or data set: sample streams are keyed by {@code firstIndex + i}, so a data set generated in
     * slices (or a resumed run) draws exactly what one call over all of it would.
     */
    public List<List<Completion>> generate(List<int[]> prompts, int firstIndex, SamplingParams params,
            IntConsumer progress) {
        List<StreamKey> keys = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            keys.add(new StreamKey(params.seed(), firstIndex + i));
        }
        return generate(prompts, keys, params, progress);
    }

    /**
     * As {@link #generate(List, SamplingParams, IntConsumer)}, each prompt with its own stream key: sample k of prompt
     * i draws from the stream of ({@code keys[i].seed}, {@code keys[i].promptIndex}, k), and its completion carries
     * that prompt index. {@code params.seed()} is not used. Prompts from requests with different seeds can so share
     * one batch and each still gets what it would get alone.
     */
    public List<List<Completion>> generate(List<int[]> prompts, List<StreamKey> keys, SamplingParams params,
            IntConsumer progress) {
        if (keys.size() != prompts.size()) {
            throw new IllegalArgumentException("got " + prompts.size() + " prompts but " + keys.size()
                    + " stream keys; give one key per prompt");
        }
        if (!params.stopStrings().isEmpty() && tokenizer == null) {
            throw new IllegalArgumentException("stop strings " + params.stopStrings() + " need a tokenizer to decode"
                    + " text; construct the Generator with one");
        }
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i);
            if (p.length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty; every prompt needs at least one token");
            }
            if (p.length + params.maxNewTokens() > model.maxPositions()) {
                throw new IllegalArgumentException("prompt " + i + " has " + p.length + " tokens; with max_new_tokens="
                        + params.maxNewTokens() + " it passes max_position_embeddings=" + model.maxPositions()
                        + ": shorten the prompt or lower max_new_tokens");
            }
            for (int t : p) {
                if (t < 0 || t >= model.config().vocabSize()) {
                    throw new IllegalArgumentException("prompt " + i + " holds token id " + t + " outside the vocabulary"
                            + " [0, " + model.config().vocabSize() + ")");
                }
            }
        }
        int perBatch = Math.max(1, maxBatchRows / params.n());
        List<List<Completion>> out = new ArrayList<>();
        try (CausalLM.AdapterMerge merged = model.mergeAdaptersForDecoding()) {
            for (int start = 0; start < prompts.size(); start += perBatch) {
                int end = Math.min(prompts.size(), start + perBatch);
                out.addAll(generateBatch(prompts.subList(start, end), keys.subList(start, end), params));
                if (progress != null) {
                    progress.accept(end);
                }
            }
        }
        return out;
    }

    private List<List<Completion>> generateBatch(List<int[]> prompts, List<StreamKey> keys, SamplingParams params) {
        int b = prompts.size();
        int n = params.n();
        int rows = b * n;
        int promptLen = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        int capacity = promptLen + params.maxNewTokens();
        int vocab = model.config().vocabSize();
        long[] ids = new long[b * promptLen];
        long[] positions = new long[b * promptLen];
        float[] keyMask = new float[b * capacity];
        long[] nextPos = new long[rows];
        long[] fan = new long[rows];
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            int pad = promptLen - p.length;
            for (int t = 0; t < promptLen; t++) {
                ids[i * promptLen + t] = t < pad ? padId : p[t - pad];
                positions[i * promptLen + t] = Math.max(0, t - pad);
                keyMask[i * capacity + t] = t < pad ? 0 : 1;
            }
            for (int s = 0; s < n; s++) {
                fan[i * n + s] = i;
                nextPos[i * n + s] = p.length;
            }
        }
        Row[] state = new Row[rows];
        for (int r = 0; r < rows; r++) {
            StreamKey key = keys.get((int) fan[r]);
            state[r] = new Row(key.promptIndex(), r % n, params.maxNewTokens(), key.seed(), topLogprobs);
        }
        try (NDManager gm = model.manager().newSubManager()) {
            NDArray rowIndex = gm.create(fan);
            KVCache cache;
            NDArray logits; // (rows, V) FP32
            NDArray mask; // (rows, capacity)
            try (KVCache prefill = KVCache.allocate(gm, model.config(), b, capacity, model.dtype())) {
                NDArray maskB = gm.create(keyMask, new Shape(b, capacity));
                try (NDScope scope = new NDScope()) {
                    NDArray l = model.forward(gm.create(ids, new Shape(b, promptLen)),
                            gm.create(positions, new Shape(b, promptLen)), maskB, prefill, true)
                            .reshape(b, vocab).get(new NDIndex("{}", rowIndex));
                    logits = l;
                    NDScope.unregister(logits);
                }
                cache = prefill.select(gm, rowIndex);
                mask = maskB.get(new NDIndex("{}", rowIndex));
            }
            NDArray position = gm.create(nextPos, new Shape(rows, 1));
            NDArray presence = params.repetitionPenalty() != 1.0 ? presence(gm, prompts, fan, vocab) : null;
            int[] active = new int[rows]; // active slot -> row
            for (int r = 0; r < rows; r++) {
                active[r] = r;
            }
            int live = rows;
            for (int step = 0; step < params.maxNewTokens() && live > 0; step++) {
                float[] drawn;
                try (NDScope scope = new NDScope()) {
                    drawn = draw(gm, logits, presence, params, state, active, live, logprobsMode, topLogprobs);
                }
                long[] nextTokens = new long[live];
                int stillLive = 0;
                boolean[] keep = new boolean[live];
                int stride = 3 + 2 * topLogprobs;
                for (int a = 0; a < live; a++) {
                    if (!Float.isFinite(drawn[stride * a + 2])) {
                        Row row = state[active[a]];
                        int[] p = prompts.get((int) fan[active[a]]);
                        int[] seq = Arrays.copyOf(p, p.length + row.length());
                        System.arraycopy(row.tokens, 0, seq, p.length, row.length());
                        throw NonFiniteLogitsException.diagnose(model, "generating prompt " + row.promptIndex
                                + ", sample " + row.sampleIndex + ", new token " + row.length(), seq);
                    }
                }
                for (int a = 0; a < live; a++) {
                    Row row = state[active[a]];
                    int token = (int) drawn[stride * a];
                    row.append(token, drawn[stride * a + 1], drawn, stride * a + 3);
                    nextTokens[a] = token;
                    if (eosIds.contains(token)) {
                        row.finish(FinishReason.STOP);
                    } else if (!params.stopStrings().isEmpty() && tokenizer != null && row.hitStop(tokenizer,
                            params.stopStrings())) {
                        row.finish(FinishReason.STOP);
                        row.stoppedOnString = true;
                    } else if (row.length() >= params.maxNewTokens()) {
                        row.finish(FinishReason.LENGTH);
                    } else {
                        keep[a] = true;
                        stillLive++;
                    }
                }
                if (stillLive == 0) {
                    break;
                }
                if (stillLive < live) {
                    long[] keepIdx = new long[stillLive];
                    int[] newActive = new int[stillLive];
                    long[] keptTokens = new long[stillLive];
                    for (int a = 0, k = 0; a < live; a++) {
                        if (keep[a]) {
                            keepIdx[k] = a;
                            newActive[k] = active[a];
                            keptTokens[k++] = nextTokens[a];
                        }
                    }
                    NDArray sel = gm.create(keepIdx);
                    NDIndex idx = new NDIndex("{}", sel);
                    KVCache smaller = cache.select(gm, sel);
                    cache.close();
                    cache = smaller;
                    mask = replace(mask, mask.get(idx));
                    position = replace(position, position.get(idx));
                    if (presence != null) {
                        presence = replace(presence, presence.get(idx));
                    }
                    sel.close();
                    active = newActive;
                    nextTokens = keptTokens;
                    live = stillLive;
                }
                mask.set(new NDIndex(":, {}", cache.length()), 1f);
                NDArray input = gm.create(nextTokens, new Shape(live, 1));
                if (presence != null) {
                    presence = replace(presence, presence.maximum(input.squeeze(1).oneHot(vocab)));
                }
                try (NDScope scope = new NDScope()) {
                    NDArray l = model.forward(input, position, mask, cache, true).reshape(live, vocab);
                    NDScope.unregister(l);
                    logits.close();
                    logits = l;
                }
                position = replace(position, position.add(1));
                input.close();
            }
            cache.close();
        }
        List<List<Completion>> out = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            List<Completion> group = new ArrayList<>();
            for (int s = 0; s < n; s++) {
                group.add(state[i * n + s].toCompletion(tokenizer, eosIds, params.stopStrings()));
            }
            out.add(group);
        }
        return out;
    }

    /**
     * Draws a token for every live row; returns per row (token, logprob, sum of raw logits, then k alternative ids
     * and k their log-probs) as floats, the step's only device sync. The sum is finite exactly when every logit of
     * the row is (a sum of finite logits overflows only if they reach 1e33 or so; an FP16 model's are at most 65504).
     * Token ids travel as floats, exact below 2^24.
     */
    private static float[] draw(NDManager gm, NDArray logits, NDArray presence, SamplingParams params, Row[] state,
            int[] active, int live, LogprobsMode mode, int k) {
        NDArray processed = LogitsProcessors.apply(logits, params, presence);
        NDArray logProbs = processed.logSoftmax(-1); // (live, V) of the distribution sampled from
        NDArray tokens;
        if (params.greedy()) {
            tokens = processed.argMax(-1);
        } else {
            float[] u = new float[live];
            for (int a = 0; a < live; a++) {
                u[a] = state[active[a]].uniform();
            }
            tokens = LogitsProcessors.sample(logProbs, gm.create(u, new Shape(live, 1)));
        }
        NDArray reported = mode == LogprobsMode.PROCESSED ? logProbs : logits.logSoftmax(-1); // (live, V)
        NDArray chosen = reported.gather(tokens.reshape(live, 1), 1);
        NDArray rowSums = logits.sum(new int[] {-1}).reshape(live, 1);
        NDArray out = tokens.toType(DataType.FLOAT32, false).reshape(live, 1).concat(chosen, 1).concat(rowSums, 1);
        if (k > 0) {
            NDList top = reported.topK(k, -1, true, true); // values (live, k), indices (live, k)
            out = out.concat(top.get(1).toType(DataType.FLOAT32, false), 1).concat(top.get(0), 1);
        }
        return out.toFloatArray();
    }

    private static NDArray presence(NDManager gm, List<int[]> prompts, long[] fan, int vocab) {
        float[] p = new float[fan.length * vocab];
        for (int r = 0; r < fan.length; r++) {
            for (int t : prompts.get((int) fan[r])) {
                p[r * vocab + t] = 1f;
            }
        }
        return gm.create(p, new Shape(fan.length, vocab));
    }

    private static NDArray replace(NDArray old, NDArray fresh) {
        old.close();
        return fresh;
    }

    /** One sample's host-side state. */
    private static final class Row {
        final int promptIndex;
        final int sampleIndex;
        final SplittableRandom rng;
        final int k; // alternatives kept per token
        int[] tokens;
        float[] logprobs;
        int[] topIds; // (capacity, k)
        float[] topLogprobs; // (capacity, k)
        int length;
        FinishReason finish;
        boolean stoppedOnString;

        Row(int promptIndex, int sampleIndex, int maxNew, long seed, int k) {
            this.promptIndex = promptIndex;
            this.sampleIndex = sampleIndex;
            this.rng = new SplittableRandom(mix(mix(seed) ^ mix(promptIndex * 0x9E3779B97F4A7C15L + sampleIndex)));
            this.k = k;
            this.tokens = new int[Math.min(maxNew, 64)];
            this.logprobs = new float[tokens.length];
            this.topIds = new int[tokens.length * k];
            this.topLogprobs = new float[tokens.length * k];
        }

        /** A uniform in (0, 1), never 0 (which would select a zero-probability first token). */
        float uniform() {
            float u;
            do {
                u = (float) rng.nextDouble();
            } while (u <= 0f || u >= 1f);
            return u;
        }

        /** Appends a token; its k alternatives are {@code drawn[at..at+k)} (ids) then {@code [at+k..at+2k)}. */
        void append(int token, float logprob, float[] drawn, int at) {
            if (length == tokens.length) {
                tokens = Arrays.copyOf(tokens, tokens.length * 2);
                logprobs = Arrays.copyOf(logprobs, logprobs.length * 2);
                topIds = Arrays.copyOf(topIds, tokens.length * k);
                topLogprobs = Arrays.copyOf(topLogprobs, tokens.length * k);
            }
            for (int j = 0; j < k; j++) {
                topIds[length * k + j] = (int) drawn[at + j];
                topLogprobs[length * k + j] = drawn[at + k + j];
            }
            tokens[length] = token;
            logprobs[length++] = logprob;
        }

        int length() {
            return length;
        }

        void finish(FinishReason reason) {
            finish = reason;
        }

        boolean hitStop(TextTokenizer tok, List<String> stops) {
            String text = tok.decode(Arrays.copyOf(tokens, length), true);
            for (String s : stops) {
                if (text.contains(s)) {
                    return true;
                }
            }
            return false;
        }

        Completion toCompletion(TextTokenizer tok, Set<Integer> eos, List<String> stops) {
            int[] ids = Arrays.copyOf(tokens, length);
            String text = null;
            String stop = null;
            if (tok != null) {
                int textLen = length > 0 && eos.contains(ids[length - 1]) ? length - 1 : length;
                text = tok.decode(Arrays.copyOf(ids, textLen), true);
                int cut = text.length();
                for (String s : stops) {
                    int at = text.indexOf(s);
                    if (at >= 0 && at < cut) {
                        cut = at;
                        if (stoppedOnString) {
                            stop = s;
                        }
                    }
                }
                text = text.substring(0, cut);
            }
            List<TopLogprobs> top = null;
            if (k > 0) {
                top = new ArrayList<>(length);
                for (int t = 0; t < length; t++) {
                    top.add(new TopLogprobs(Arrays.copyOfRange(topIds, t * k, (t + 1) * k),
                            Arrays.copyOfRange(topLogprobs, t * k, (t + 1) * k)));
                }
            }
            return new Completion(promptIndex, sampleIndex, ids, text, Arrays.copyOf(logprobs, length),
                    finish == null ? FinishReason.LENGTH : finish, stop, top);
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }
}
