package dev.semgrpo.trainer.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.lora.LoraConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden values of the memory terms on Qwen3-4B's shapes, with the arithmetic written out. */
class MemoryTermsTest {
    private static final LoraConfig PAPER = LoraConfig.paper(); // r=64 on all 7 projections, dropout 0.05

    @Test
    void parameterCountsMatchTheModelCard() throws Exception {
        ModelConfig c = Qwen3Shapes.qwen3_4b();
        // per layer: q 2560x4096 + k, v 2560x1024 + o 4096x2560 = 26,214,400; MLP 3 x 2560 x 9728 = 74,711,040;
        // norms 2 x 2560 + q/k norms 2 x 128 = 5,376 -> 100,930,816; x 36 = 3,633,509,376;
        // + embedding 151,936 x 2560 = 388,956,160 (tied) + final norm 2,560
        assertEquals(4_022_468_096L, MemoryTerms.decoderParams(c));
        // per layer r x (in + out): q, o 64 x 6,656; k, v 64 x 3,584; gate, up, down 64 x 12,288 -> 3,670,016; x 36
        assertEquals(132_120_576L, MemoryTerms.loraParams(c, PAPER));
        assertEquals(64L * (2560 + 4096) * 36, MemoryTerms.loraParams(c,
                new LoraConfig(64, 128, 0.05, List.of("q_proj"), false)));
    }

    @Test
    void kvCacheAndLogits() throws Exception {
        ModelConfig c = Qwen3Shapes.qwen3_4b();
        // 36 layers x 2 (K, V) x 8 kv heads x 128 = 73,728 values a token: 294,912 B in FP32 (288 KiB)
        assertEquals(294_912L, MemoryTerms.kvCache(c, 1, 1, MemoryTerms.FP32));
        // 64 rows x 768 positions x 294,912 B = 14,495,514,624 B
        assertEquals(14_495_514_624L, MemoryTerms.kvCache(c, 64, 768, MemoryTerms.FP32));
        assertEquals(7_247_757_312L, MemoryTerms.kvCache(c, 64, 768, MemoryTerms.FP16));
        // 256 positions x 151,936 x 4 B x 6 copies
        assertEquals(256L * 151_936 * 4 * 6, MemoryTerms.logits(c, 256, 6));
    }

    @Test
    void perTokenLayerBytesFollowTheCode() throws Exception {
        ModelConfig c = Qwen3Shapes.qwen3_4b();
        // FP32 values: projections q 4096 + k, v 2 x 1024 + o 2560 + down 2560 = 11,264; rotary 4.5 x (4096 + 1024)
        // = 23,040; attention output + copy 2 x 4096 = 8,192; residuals 2 x 2560 = 5,120; SwiGLU 5 x 9728 = 48,640
        // -> 96,256 x 4 B = 385,024; norms 2 x (3 x 2560 x 4) = 61,440; q/k norms 3 x (4096 + 1024) x 4 = 61,440
        long base = 385_024 + 61_440 + 61_440;
        assertEquals(base, MemoryTerms.layerBytesPerToken(c, null, false, MemoryTerms.FP32));
        assertEquals(base, MemoryTerms.layerBytesPerToken(c, null, true, MemoryTerms.FP32));
        // LoRA, per projection (3 x out + r) x 4 B, and in training the dropped input (4 B) and its mask (1 B):
        // q (12,288 + 64) x 4 + 2560 x 5 = 62,208; k, v (3,072 + 64) x 4 + 12,800 = 25,344 each;
        // o (7,680 + 64) x 4 + 4096 x 5 = 51,456; gate, up (29,184 + 64) x 4 + 12,800 = 129,792 each;
        // down (7,680 + 64) x 4 + 9728 x 5 = 79,616 -> 503,552
        assertEquals(base + 503_552, MemoryTerms.layerBytesPerToken(c, PAPER, true, MemoryTerms.FP32));
        // inference: no dropout -> 503,552 - 5 x (3 x 2560 + 4096 + 2 x 2560 + 9728) = 503,552 - 133,120
        assertEquals(base + 370_432, MemoryTerms.layerBytesPerToken(c, PAPER, false, MemoryTerms.FP32));
        // FP16: values 96,256 x 2 = 192,512; norms 16 B a value: 2 x 2560 x 16 + (4096 + 1024) x 16 = 163,840
        assertEquals(192_512 + 163_840, MemoryTerms.layerBytesPerToken(c, null, false, MemoryTerms.FP16));
        // 36 layers: about 36.4 MB a token for LoRA training (docs/reproduce-paper.md's "about 36 MB")
        assertEquals(36_412_416L, 36 * MemoryTerms.layerBytesPerToken(c, PAPER, true, MemoryTerms.FP32));
    }

    @Test
    void attentionScoresAndAForward() throws Exception {
        ModelConfig c = Qwen3Shapes.qwen3_4b();
        // 36 layers x 32 heads x 1024 queries x 1024 keys x 16 B (product, scaled, masked, softmax in FP32)
        assertEquals(36L * 32 * 1024 * 1024 * 16, MemoryTerms.attentionScores(c, 1024, 1024, MemoryTerms.FP32));
        // FP16: 2 + 2 + 4 + 4 + 4 + 2 = 18 B
        assertEquals(36L * 32 * 1024 * 1024 * 18, MemoryTerms.attentionScores(c, 1024, 1024, MemoryTerms.FP16));
        // one row of 1024 tokens, LoRA training: layers + scores + mask 4 x (1024^2 + 1024 + 3 x 1024^2)
        // + embedding and final norm 1024 x (2560 x 4 + 2560 x 12)
        long expected = 1024L * 36_412_416 + 36L * 32 * 1024 * 1024 * 16 + 4L * (1024 * 1024 + 1024 + 3 * 1024 * 1024)
                + 1024L * (2560 * 4 + 2560 * 12);
        assertEquals(expected, MemoryTerms.forward(c, PAPER, true, MemoryTerms.FP32, 1, 1024, 1024));
        assertTrue(expected > 55e9 && expected < 57e9, "about 55.6 GB: " + expected);
    }

    @Test
    void sizesParseStrictly() {
        assertEquals(80_000_000_000L, MemoryBudget.parse("80GB", "--gpu-memory"));
        assertEquals(24L << 30, MemoryBudget.parse("24GiB", "--gpu-memory"));
        assertEquals(512_000_000L, MemoryBudget.parse("512 MB", "--gpu-memory"));
        assertEquals(1_500_000_000L, MemoryBudget.parse("1.5GB", "--gpu-memory"));
        for (String bad : new String[] {"80", "80gb", "GB", "-1GB", "80 GB extra", "0GB", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MemoryBudget.parse(bad, "--gpu-memory"), bad);
            assertTrue(e.getMessage().startsWith("--gpu-memory must be"), e.getMessage());
        }
        assertEquals("16.09 GB", MemoryBudget.format(16_089_872_384L));
    }
}
