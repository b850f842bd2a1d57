package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.LogprobsMode;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.generate.StreamKey;
import dev.semgrpo.model.generate.TopLogprobs;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.model.lora.LoraWeights;
import dev.semgrpo.model.nn.CausalLM;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator's options a server needs: per-prompt stream keys, raw or processed log-probs, top alternatives. */
class GeneratorOptionsTest {
    @TempDir
    Path dir;

    private static final List<int[]> PROMPTS = List.of(new int[] {5, 17, 3}, new int[] {40, 2, 9, 9, 81, 12, 60},
            new int[] {77}, new int[] {8, 8, 30, 31, 32});

    @Test
    void promptsWithTheirOwnSeedsDrawWhatEachSeedDrawsAlone() {
        try (CausalLM model = TinyModels.random(TinyModels.qwen3(), 21)) {
            Generator gen = new Generator(model, null, Set.of(), 0);
            SamplingParams p = SamplingParams.sample(3, 10, 0).withTemperature(1.3);
            long[] seeds = {7, 8, 7, -5};
            int[] indices = {0, 0, 4, 2};
            List<StreamKey> keys = new ArrayList<>();
            for (int i = 0; i < PROMPTS.size(); i++) {
                keys.add(new StreamKey(seeds[i], indices[i]));
            }
            List<List<Completion>> mixed = gen.generate(PROMPTS, keys, p, null);
            for (int i = 0; i < PROMPTS.size(); i++) {
                SamplingParams alone = p.toBuilder().optSeed(seeds[i]).build();
                List<Completion> a = gen.generate(List.of(PROMPTS.get(i)), indices[i], alone, null).get(0);
                for (int s = 0; s < p.n(); s++) {
                    Completion b = mixed.get(i).get(s);
                    assertArrayEquals(a.get(s).tokenIds(), b.tokenIds(), "prompt " + i + " sample " + s);
                    assertEquals(indices[i], b.promptIndex());
                    assertEquals(s, b.sampleIndex());
                    for (int t = 0; t < b.logprobs().length; t++) {
                        assertEquals(a.get(s).logprobs()[t], b.logprobs()[t], 1e-4);
                    }
                }
            }
            assertNotEquals(List.of(mixed.get(0).get(0).tokenIds()), List.of(mixed.get(1).get(0).tokenIds()));
            assertThrows(IllegalArgumentException.class, () -> gen.generate(PROMPTS, keys.subList(0, 2), p, null));
        }
    }

    @Test
    void rawLogprobsAreTheModelsAndProcessedOnesTheSampledDistributions() {
        try (CausalLM model = TinyModels.random(TinyModels.llama(), 22); NDManager m = NDManager.newBaseManager()) {
            SamplingParams p = SamplingParams.sample(2, 8, 3).withTemperature(0.6);
            List<List<Completion>> processed = new Generator(model, null, Set.of(), 0).generate(PROMPTS, p, null);
            List<List<Completion>> raw = new Generator(model, null, Set.of(), 0).logprobsMode(LogprobsMode.RAW)
                    .generate(PROMPTS, p, null);
            List<int[]> prompts = new ArrayList<>();
            List<int[]> completions = new ArrayList<>();
            for (int i = 0; i < PROMPTS.size(); i++) {
                for (int s = 0; s < p.n(); s++) {
                    assertArrayEquals(processed.get(i).get(s).tokenIds(), raw.get(i).get(s).tokenIds(),
                            "the mode changes what is reported, never what is drawn");
                    prompts.add(PROMPTS.get(i));
                    completions.add(raw.get(i).get(s).tokenIds());
                }
            }
            float[] atOne = LogProbScorer.score(model, m, prompts, completions, 1.0, false).logprobs().toFloatArray();
            float[] atT = LogProbScorer.score(model, m, prompts, completions, 0.6, false).logprobs().toFloatArray();
            int tc = atOne.length / completions.size();
            double gap = 0;
            for (int r = 0; r < completions.size(); r++) {
                float[] rl = raw.get(r / p.n()).get(r % p.n()).logprobs();
                float[] pl = processed.get(r / p.n()).get(r % p.n()).logprobs();
                for (int t = 0; t < rl.length; t++) {
                    assertEquals(atOne[r * tc + t], rl[t], 1e-4, "raw = log_softmax(logits), row " + r);
                    assertEquals(atT[r * tc + t], pl[t], 1e-4, "processed = log_softmax(logits / T), row " + r);
                    gap = Math.max(gap, Math.abs(rl[t] - pl[t]));
                }
            }
            assertTrue(gap > 1e-2, "at temperature 0.6 the two differ: " + gap);
        }
    }

    @Test
    void topAlternativesAreSortedComeInTheSamePullAndChangeNothingElse() {
        try (CausalLM model = TinyModels.random(TinyModels.qwen2(), 23)) {
            SamplingParams greedy = SamplingParams.greedy(6);
            Completion plain = new Generator(model, null, Set.of(), 0).generate(PROMPTS, greedy, null).get(1).get(0);
            Completion withTop = new Generator(model, null, Set.of(), 0).topLogprobs(5).generate(PROMPTS, greedy, null)
                    .get(1).get(0);
            assertNull(plain.topLogprobs());
            assertArrayEquals(plain.tokenIds(), withTop.tokenIds());
            assertArrayEquals(plain.logprobs(), withTop.logprobs());
            assertEquals(plain.tokenIds().length, withTop.topLogprobs().size());
            for (int t = 0; t < plain.tokenIds().length; t++) {
                TopLogprobs top = withTop.topLogprobs().get(t);
                assertEquals(5, top.ids().length);
                assertEquals(plain.tokenIds()[t], top.ids()[0], "greedy: the first alternative is the token");
                assertEquals(plain.logprobs()[t], top.logprobs()[0], 1e-6);
                for (int j = 1; j < 5; j++) {
                    assertTrue(top.logprobs()[j] <= top.logprobs()[j - 1]);
                    assertNotEquals(top.ids()[0], top.ids()[j]);
                }
            }
            // top-k filtering at k=3: processed alternatives past the third are filtered out (-inf), raw ones are not
            SamplingParams topK = SamplingParams.sample(1, 4, 9).toBuilder().optTopK(3).build();
            Completion processed = new Generator(model, null, Set.of(), 0).topLogprobs(4).generate(PROMPTS, topK, null)
                    .get(0).get(0);
            Completion raw = new Generator(model, null, Set.of(), 0).topLogprobs(4).logprobsMode(LogprobsMode.RAW)
                    .generate(PROMPTS, topK, null).get(0).get(0);
            assertEquals(Float.NEGATIVE_INFINITY, processed.topLogprobs().get(0).logprobs()[3]);
            assertTrue(Float.isFinite(raw.topLogprobs().get(0).logprobs()[3]));
            assertArrayEquals(java.util.Arrays.copyOf(processed.topLogprobs().get(0).ids(), 3),
                    java.util.Arrays.copyOf(raw.topLogprobs().get(0).ids(), 3),
                    "the kept three in the same order: temperature 1 and top-k keep the ranking");
            assertThrows(IllegalArgumentException.class, () -> new Generator(model, null, Set.of(), 0).topLogprobs(21));
        }
    }

    @Test
    void sequenceLogprobsAreTheScorersWithSortedAlternatives() {
        try (CausalLM model = TinyModels.random(TinyModels.qwen3(), 25); NDManager m = NDManager.newBaseManager()) {
            int[] seq = PROMPTS.get(1);
            float[] expected = LogProbScorer.score(model, m, List.of(new int[] {seq[0]}),
                    List.of(java.util.Arrays.copyOfRange(seq, 1, seq.length)), 1.0, false).logprobs().toFloatArray();
            LogProbScorer.SequenceLogprobs plain = LogProbScorer.sequence(model, seq, 0);
            LogProbScorer.SequenceLogprobs withTop = LogProbScorer.sequence(model, seq, 4);
            assertNull(plain.top());
            assertEquals(seq.length - 1, withTop.top().size());
            for (int t = 0; t < seq.length - 1; t++) {
                assertEquals(expected[t], plain.logprobs()[t], 1e-5, "token " + (t + 1));
                assertEquals(plain.logprobs()[t], withTop.logprobs()[t], 1e-6);
                TopLogprobs top = withTop.top().get(t);
                assertTrue(top.logprobs()[0] >= withTop.logprobs()[t], "the best alternative is at least the token");
                for (int j = 1; j < 4; j++) {
                    assertTrue(top.logprobs()[j] <= top.logprobs()[j - 1]);
                }
            }
            assertEquals(0, LogProbScorer.sequence(model, new int[] {7}, 2).logprobs().length);
            assertThrows(IllegalArgumentException.class, () -> LogProbScorer.sequence(model, new int[] {7, 999}, 0));
        }
    }

    @Test
    void adaptersHeldInMemorySwapWithoutClosingAndMatchLoraLoad() throws IOException {
        LoraConfig cfg = new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj", "down_proj"), false);
        Path[] dirs = {dir.resolve("a"), dir.resolve("b")};
        float[][] expected = new float[2][];
        try (CausalLM writer = TinyModels.random(TinyModels.qwen3(), 24)) {
            for (int k = 0; k < 2; k++) {
                Lora.attach(writer, cfg, k);
                TinyModels.randomizeB(writer, 0.2, k);
                expected[k] = logits(writer);
                Lora.save(writer, cfg, dirs[k], null);
                writer.detachAdapters();
            }
        }
        try (CausalLM model = TinyModels.random(TinyModels.qwen3(), 24)) {
            float[] base = logits(model);
            try (LoraWeights a = LoraWeights.read(model, dirs[0]); LoraWeights b = LoraWeights.read(model, dirs[1])) {
                assertEquals(3 * 3, a.adapters().size());
                for (int round = 0; round < 2; round++) {
                    a.applyTo(model);
                    assertArrayEquals(expected[0], logits(model), 1e-5f);
                    b.applyTo(model);
                    assertArrayEquals(expected[1], logits(model), 1e-5f);
                    model.useAdapters(Map.of());
                    assertArrayEquals(base, logits(model), "no adapters: the base model again");
                }
            }
            try (CausalLM llama = TinyModels.random(TinyModels.llama(), 24)) {
                Exception e = assertThrows(Exception.class, () -> LoraWeights.read(llama, dirs[0]));
                assertTrue(e.getMessage().contains("does not fit the base model"), e.getMessage());
            }
        }
    }

    private static float[] logits(CausalLM model) {
        try (NDManager m = NDManager.newBaseManager()) {
            long[] ids = {3, 14, 15, 92, 65, 35, 8};
            return model.forward(m.create(ids, new Shape(1, ids.length)), null, null, null, false).toFloatArray();
        }
    }
}
