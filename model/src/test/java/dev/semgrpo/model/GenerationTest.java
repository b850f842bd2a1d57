package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.FinishReason;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.nn.CausalLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GenerationTest {
    static Iterable<ModelConfig> configs() {
        return TinyModels.all();
    }

    private static final List<int[]> PROMPTS = List.of(new int[] {5, 17, 3}, new int[] {40, 2, 9, 9, 81, 12, 60},
            new int[] {77}, new int[] {8, 8, 30, 31, 32});

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void greedyWithKvCacheEqualsFullRecompute(ModelConfig c) {
        try (CausalLM model = TinyModels.random(c, 11)) {
            Generator gen = new Generator(model, null, Set.of(), 0);
            for (int[] prompt : PROMPTS) {
                Completion got = gen.generate(List.of(prompt), SamplingParams.greedy(16), null).get(0).get(0);
                assertArrayEquals(TinyModels.referenceGreedy(model, prompt, 16, 1f), got.tokenIds(),
                        c.architecture() + " prompt " + Arrays.toString(prompt));
                assertEquals(FinishReason.LENGTH, got.finishReason());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void leftPaddedBatchEqualsPromptsOneByOne(ModelConfig c) {
        try (CausalLM model = TinyModels.random(c, 12)) {
            Generator gen = new Generator(model, null, Set.of(), 0);
            SamplingParams greedy = SamplingParams.greedy(10);
            SamplingParams sampled = SamplingParams.sample(3, 10, 99).withTemperature(0.9).withTopP(0.95);
            for (SamplingParams p : List.of(greedy, sampled)) {
                List<List<Completion>> batched = gen.generate(PROMPTS, p, null);
                for (int i = 0; i < PROMPTS.size(); i++) {
                    List<Completion> alone = gen.generate(List.of(PROMPTS.get(i)), i, p, null).get(0);
                    assertEquals(p.n(), batched.get(i).size());
                    for (int s = 0; s < p.n(); s++) {
                        Completion a = alone.get(s);
                        Completion b = batched.get(i).get(s);
                        assertArrayEquals(a.tokenIds(), b.tokenIds(), c.architecture() + " prompt " + i + " sample " + s);
                        for (int t = 0; t < a.logprobs().length; t++) {
                            assertEquals(a.logprobs()[t], b.logprobs()[t], 1e-4);
                        }
                    }
                }
            }
        }
    }

    @Test
    void sameSeedSameTokensAndGroupsDiffer() {
        try (CausalLM model = TinyModels.random(TinyModels.qwen3(), 13)) {
            Generator gen = new Generator(model, null, Set.of(), 0).maxBatchRows(4);
            SamplingParams p = SamplingParams.sample(4, 12, 2024).withTemperature(1.5);
            List<List<Completion>> a = gen.generate(PROMPTS, p, null);
            List<List<Completion>> b = new Generator(model, null, Set.of(), 0).maxBatchRows(64).generate(PROMPTS, p, null);
            for (int i = 0; i < PROMPTS.size(); i++) {
                for (int s = 0; s < 4; s++) {
                    assertArrayEquals(a.get(i).get(s).tokenIds(), b.get(i).get(s).tokenIds());
                }
                assertNotEquals(Arrays.toString(a.get(i).get(0).tokenIds()), Arrays.toString(a.get(i).get(1).tokenIds()),
                        "samples of one group should differ at temperature 1.5");
            }
            List<List<Completion>> other = gen.generate(PROMPTS, SamplingParams.sample(4, 12, 7).withTemperature(1.5),
                    null);
            assertNotEquals(Arrays.toString(a.get(0).get(0).tokenIds()), Arrays.toString(other.get(0).get(0).tokenIds()));
        }
    }

    @Test
    void stopsOnAnyEosAndFinishedRowsLeaveTheBatch() {
        try (CausalLM model = TinyModels.random(TinyModels.qwen2(), 14)) {
            Completion free = new Generator(model, null, Set.of(), 0).generate(List.of(PROMPTS.get(1)),
                    SamplingParams.greedy(12), null).get(0).get(0);
            int eos = free.tokenIds()[4];
            List<List<Completion>> out = new Generator(model, null, Set.of(1000, eos), 0).generate(PROMPTS,
                    SamplingParams.greedy(12), null);
            Completion stopped = out.get(1).get(0);
            int firstEos = -1;
            for (int t = 0; t < free.tokenIds().length; t++) {
                if (free.tokenIds()[t] == eos) {
                    firstEos = t;
                    break;
                }
            }
            assertEquals(FinishReason.STOP, stopped.finishReason());
            assertArrayEquals(Arrays.copyOf(free.tokenIds(), firstEos + 1), stopped.tokenIds());
            // the other prompts decode on unaffected by the row that left the batch
            for (int i = 0; i < PROMPTS.size(); i++) {
                Completion alone = new Generator(model, null, Set.of(1000, eos), 0).generate(List.of(PROMPTS.get(i)),
                        SamplingParams.greedy(12), null).get(0).get(0);
                assertArrayEquals(alone.tokenIds(), out.get(i).get(0).tokenIds());
            }
        }
    }

    @Test
    void sampledLogprobsMatchTheScorerAtTemperature() {
        try (CausalLM model = TinyModels.random(TinyModels.llama(), 15); NDManager m = NDManager.newBaseManager()) {
            SamplingParams p = SamplingParams.sample(2, 9, 5).withTemperature(0.7);
            List<List<Completion>> out = new Generator(model, null, Set.of(), 0).generate(PROMPTS, p, null);
            List<int[]> prompts = new ArrayList<>();
            List<int[]> completions = new ArrayList<>();
            for (int i = 0; i < PROMPTS.size(); i++) {
                for (Completion c : out.get(i)) {
                    prompts.add(PROMPTS.get(i));
                    completions.add(c.tokenIds());
                }
            }
            LogProbScorer.Scores s = LogProbScorer.score(model, m, prompts, completions, 0.7, true);
            float[] lp = s.logprobs().toFloatArray();
            float[] ent = s.entropy().toFloatArray();
            int tc = (int) s.logprobs().getShape().get(1);
            for (int r = 0; r < completions.size(); r++) {
                float[] sampled = out.get(r / 2).get(r % 2).logprobs();
                for (int t = 0; t < sampled.length; t++) {
                    assertEquals(sampled[t], lp[r * tc + t], 1e-4, "row " + r + " token " + t);
                    assertTrue(ent[r * tc + t] > 0);
                }
            }
        }
    }

    @Test
    void scorerMasksPromptAndPaddingAndMatchesFullForward() {
        try (CausalLM model = TinyModels.random(TinyModels.qwen3(), 16); NDManager m = NDManager.newBaseManager()) {
            List<int[]> prompts = List.of(new int[] {3, 4, 5}, new int[] {9});
            List<int[]> completions = List.of(new int[] {6, 7}, new int[] {10, 11, 12, 13});
            LogProbScorer.Scores s = LogProbScorer.score(model, m, prompts, completions, 1.0, false);
            assertEquals(new Shape(2, 4), s.logprobs().getShape());
            assertArrayEquals(new float[] {1, 1, 0, 0, 1, 1, 1, 1}, s.mask().toFloatArray());
            float[] got = s.logprobs().toFloatArray();
            for (int r = 0; r < 2; r++) {
                int[] p = prompts.get(r);
                int[] c = completions.get(r);
                long[] seq = new long[p.length + c.length];
                for (int i = 0; i < seq.length; i++) {
                    seq[i] = i < p.length ? p[i] : c[i - p.length];
                }
                NDArray logp = model.forward(m.create(seq, new Shape(1, seq.length)), null, null, null, false)
                        .logSoftmax(-1);
                for (int j = 0; j < 4; j++) {
                    float expected = j < c.length ? logp.getFloat(0, p.length - 1 + j, c[j]) : 0f;
                    assertEquals(expected, got[r * 4 + j], 1e-5);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void packedScoringEqualsRowByRowScoring(ModelConfig c) {
        try (CausalLM model = TinyModels.random(c, 18); NDManager m = NDManager.newBaseManager()) {
            List<int[]> prompts = List.of(new int[] {3, 4, 5}, new int[] {9}, new int[] {7, 7, 1, 2}, new int[] {40});
            List<int[]> completions = List.of(new int[] {6, 7}, new int[] {10, 11, 12, 13}, new int[] {8},
                    new int[] {})
                    ;
            LogProbScorer.Scores plain = LogProbScorer.score(model, m, prompts, completions, 0.9, true);
            LogProbScorer.Scores packed = LogProbScorer.scorePacked(model, m, prompts, completions, 8, 0.9, true);
            assertArrayEquals(plain.mask().toFloatArray(), packed.mask().toFloatArray());
            float[] a = plain.logprobs().toFloatArray();
            float[] b = packed.logprobs().toFloatArray();
            float[] ea = plain.entropy().toFloatArray();
            float[] eb = packed.entropy().toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-5, c.architecture() + " token " + i);
                assertEquals(ea[i], eb[i], 1e-5);
            }
        }
    }

    @Test
    void badPromptsAreRejectedWithTheirIndex() {
        try (CausalLM model = TinyModels.random(TinyModels.qwen3(), 17)) {
            Generator gen = new Generator(model, null, Set.of(), 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> gen.generate(List.of(new int[] {1}, new int[] {500}), SamplingParams.greedy(4), null));
            assertTrue(e.getMessage().contains("prompt 1") && e.getMessage().contains("500"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> gen.generate(List.of(new int[] {1}), SamplingParams.greedy(300), null));
            assertTrue(e.getMessage().contains("max_position_embeddings"), e.getMessage());
        }
    }
}
