package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.FinishReason;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StopAndPenaltyTest {
    @TempDir
    Path dir;

    /** A Qwen3 over the byte-level vocabulary, so text and stop strings are real. */
    private static CausalLM byteModel(long seed) {
        ModelConfig c = ModelConfig.builder().setArchitecture(Architecture.QWEN3).setVocabSize(ByteLevelTokenizer.vocabSize())
                .setHiddenSize(32).setIntermediateSize(64).setNumLayers(2).setNumHeads(4).optNumKvHeads(2)
                .optHeadDim(8).optRmsNormEps(1e-6).setRopeTheta(1e6).optTieWordEmbeddings(true)
                .optMaxPositionEmbeddings(512).optEosTokenIds(List.of(258)).optPadTokenId(256).build();
        return TinyModels.random(c, seed);
    }

    @Test
    void stopStringsEndASampleAndCutItsText() throws IOException {
        ByteLevelTokenizer.write(dir);
        try (TextTokenizer tok = TextTokenizer.load(dir); CausalLM model = byteModel(41)) {
            int[] prompt = tok.encode("Translate: hello");
            Generator gen = new Generator(model, tok, Set.of(), tok.padId());
            Completion free = gen.generate(List.of(prompt), SamplingParams.greedy(24), null).get(0).get(0);
            // a stop string taken from the middle of the free-running text
            String text = free.text();
            String stop = null;
            int at = -1;
            for (int i = 4; i + 2 <= text.length() && stop == null; i++) {
                String cand = text.substring(i, i + 2);
                if (text.indexOf(cand) == i && cand.codePoints().allMatch(cp -> cp < 0xFFFD)) {
                    stop = cand;
                    at = i;
                }
            }
            assertTrue(stop != null, "free text has a usable stop string: " + text);
            Completion stopped = gen.generate(List.of(prompt), SamplingParams.greedy(24).withStopStrings(List.of(stop)),
                    null).get(0).get(0);
            assertEquals(FinishReason.STOP, stopped.finishReason());
            assertEquals(text.substring(0, at), stopped.text(), "text is cut before the stop string");
            assertTrue(stopped.tokenIds().length < free.tokenIds().length);
            assertArrayEquals(java.util.Arrays.copyOf(free.tokenIds(), stopped.tokenIds().length), stopped.tokenIds());
            assertThrows(IllegalArgumentException.class, () -> new Generator(model, null, Set.of(), 0)
                    .generate(List.of(prompt), SamplingParams.greedy(4).withStopStrings(List.of("x")), null));
        }
    }

    @Test
    void repetitionPenaltyMatchesAScalarReference() {
        float penalty = 1.8f;
        try (CausalLM model = TinyModels.random(TinyModels.llama(), 42)) {
            int[] prompt = {5, 6, 5, 7, 30};
            Completion got = new Generator(model, null, Set.of(), 0).generate(List.of(prompt),
                    SamplingParams.greedy(14).withRepetitionPenalty(penalty), null).get(0).get(0);
            int[] expected = TinyModels.referenceGreedy(model, prompt, 14, penalty);
            assertArrayEquals(expected, got.tokenIds());
            Completion plain = new Generator(model, null, Set.of(), 0).generate(List.of(prompt),
                    SamplingParams.greedy(14), null).get(0).get(0);
            assertTrue(!java.util.Arrays.equals(plain.tokenIds(), got.tokenIds()), "the penalty changes the output");
        }
    }
}
