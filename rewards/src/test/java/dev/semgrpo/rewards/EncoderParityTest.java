package dev.semgrpo.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncoderParityTest {
    static final List<String> TEXTS = List.of("The weather is lovely today.", "It is sunny outside!",
            "He drove to the stadium.", "今天天气很好。", "བོད་ཡིག་ནི་བོད་ཀྱི་ཡི་གེ་ཡིན།", "a",
            "A much longer sentence that keeps going, with commas, clauses and numbers like 42 and 1999, so that the"
                    + " batch has rows of very different lengths and padding matters for the pooling of the rest.",
            "word ".repeat(400));

    static double cosine(float[] a, float[] b) {
        return SemanticReward.cosine(a, b);
    }

    @Test
    void nativeEncoderMatchesOnnxRuntimeOnTheSameWeights() throws IOException {
        SentenceEncoders.Options o = SentenceEncoders.Options.defaults();
        try (PooledSentenceEncoder onnx = SentenceEncoders.open(MiniLm.onnxDir(),
                new SentenceEncoders.Options(SentenceEncoders.Backend.ONNX, o.device(), o.dtype(), 3, o.pooling(), null));
                PooledSentenceEncoder nat = SentenceEncoders.open(MiniLm.nativeDir(),
                        new SentenceEncoders.Options(SentenceEncoders.Backend.NATIVE, o.device(), o.dtype(), 3,
                                o.pooling(), null))) {
            float[][] a = onnx.encode(TEXTS, "");
            float[][] b = nat.encode(TEXTS, "");
            assertEquals(384, nat.dimension());
            double worst = 1;
            for (int i = 0; i < TEXTS.size(); i++) {
                worst = Math.min(worst, cosine(a[i], b[i]));
                assertEquals(1.0, cosine(b[i], b[i]), 1e-5);
            }
            assertTrue(worst >= 0.9999, "native vs ONNX cosine " + worst);
            // the long text was cut to 256 tokens, and that is counted
            assertEquals(1, nat.truncation()[0]);
            assertEquals(TEXTS.size(), nat.truncation()[1]);
            // FP16 compute stays close to FP32
            try (PooledSentenceEncoder half = SentenceEncoders.open(MiniLm.nativeDir(), new SentenceEncoders.Options(
                    SentenceEncoders.Backend.NATIVE, o.device(), ai.djl.ndarray.types.DataType.FLOAT16, 3, o.pooling(),
                    null))) {
                float[][] h = half.encode(TEXTS.subList(0, 5), "");
                for (int i = 0; i < h.length; i++) {
                    assertTrue(cosine(h[i], b[i]) > 0.999, "fp16 vs fp32 cosine " + cosine(h[i], b[i]));
                }
            }
            // a real model: paraphrases are closer than unrelated sentences
            assertTrue(cosine(b[0], b[1]) > cosine(b[0], b[2]) + 0.1, cosine(b[0], b[1]) + " vs " + cosine(b[0], b[2]));
        }
    }
}
