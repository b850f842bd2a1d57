package dev.semgrpo.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.rewards.encoder.NativeSentenceEncoder;
import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import dev.semgrpo.rewards.train.EmbedderTrainer;
import dev.semgrpo.rewards.train.SyntheticParallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedderTrainerTest {
    @TempDir
    Path dir;

    @Test
    void contrastiveTrainingRaisesHeldOutRetrievalAndSavesALoadableEncoder() throws IOException {
        Path base = SyntheticParallel.randomEncoder(dir, 5);
        List<EmbedderTrainer.Pair> all = SyntheticParallel.pairs(600, 7);
        List<EmbedderTrainer.Pair> train = all.subList(0, 500);
        List<EmbedderTrainer.Pair> eval = all.subList(500, 600);
        EmbedderTrainer.Config cfg = new EmbedderTrainer.Config(10, 32, 3e-3, 0.1, 0.01, 20, true, 0.0f, 1.0f, 1);
        EmbedderTrainer.Report report;
        Path out = dir.resolve("trained");
        try (PooledSentenceEncoder enc = SentenceEncoders.open(base, SentenceEncoders.Options.defaults())) {
            report = EmbedderTrainer.train((NativeSentenceEncoder) enc, train, eval, cfg, "", null);
            EmbedderTrainer.save((NativeSentenceEncoder) enc, out);
        }
        assertTrue(report.top1Before() < 0.15, "a random encoder is near chance: " + report.top1Before());
        assertTrue(report.top1After() > 0.5 && report.top1After() > report.top1Before() + 0.35,
                "held-out top-1 " + report.top1Before() + " -> " + report.top1After() + ", loss " + report.epochLoss());
        assertTrue(report.epochLoss().get(report.epochLoss().size() - 1) < report.epochLoss().get(0),
                "loss falls: " + report.epochLoss());
        assertEquals(10 * (500 / 32), report.steps());
        assertTrue(Files.exists(out.resolve("modules.json")) && Files.exists(out.resolve("1_Pooling/config.json")));
        try (PooledSentenceEncoder reloaded = SentenceEncoders.open(out, SentenceEncoders.Options.defaults())) {
            assertEquals(report.top1After(), EmbedderTrainer.top1(reloaded, eval, ""), 1e-9,
                    "the saved directory reloads as the trained encoder");
        }
    }
}
