package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.trainer.Policy;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.config.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code semgrpo init-model} and a training config's {@code model.init} write the same model for the same inputs. */
class InitModelPathsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"llama, 500000.0", "qwen2, 1000000.0", "qwen3, 1000000.0"})
    void cliAndTrainerWriteTheSameModel(String arch, double theta) throws IOException {
        Path tok = dir.resolve("tok");
        ByteLevelTokenizer.write(tok);
        Path cli = dir.resolve("cli");
        CliRuns.succeeding("init-model", "--arch", arch, "--hidden", "32", "--layers", "2", "--heads", "4",
                "--kv-heads", "2", "--intermediate", "80", "--max-positions", "2048", "--tie-embeddings",
                "--vocab-from", tok.resolve("tokenizer.json").toString(), "--seed", "3", "--out", cli.toString());
        Path trainer = dir.resolve("trainer");
        TrainConfig.Init init = new TrainConfig.Init(arch, 32, 2, 4, 2, 80, tok.resolve("tokenizer.json").toString(),
                3L);
        try (Policy p = Policy.open(new Settings.Model(trainer, "cpu", null, init), 0)) {
            assertEquals(theta, p.model().config().ropeTheta());
        }
        for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
            assertArrayEquals(Files.readAllBytes(cli.resolve(file)), Files.readAllBytes(trainer.resolve(file)), file);
        }
        assertEquals(ModelConfig.load(cli.resolve("config.json")), Policy.initConfig(init));
    }
}
