package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code semgrpo serve}: its options reach the server, which starts, prints where it listens and stops. */
class ServeCliTest {
    @TempDir
    Path dir;

    @AfterEach
    void restoreEnvironment() {
        ServeCommand.environment = System::getenv;
    }

    @Test
    void startsPrintsItsAddressAndStopsAfterItsTime() throws Exception {
        Path model = CliRuns.initModel(dir, "tiny", "qwen3", 1, 3);
        ServeCommand.environment = Map.of(ServeCommand.API_KEY_VARIABLE, "from-env")::get;
        String out = CliRuns.succeeding("serve", "--model", model.toString(), "--port", "0", "--stop-after-seconds",
                "0.5", "--logprobs-mode", "processed_logprobs", "--served-model-name", "policy");
        assertTrue(out.startsWith("semgrpo serve: policy on http://127.0.0.1:"), out);
        assertTrue(out.contains("processed_logprobs") && out.contains("API key required"), out);
        assertTrue(!out.contains("from-env"), "the key is never printed: " + out);
    }

    @Test
    void helpHasAnExampleAndBadOptionsAreNamed() throws Exception {
        String help = CliRuns.succeeding("serve", "--help");
        assertTrue(help.contains("semgrpo serve --model runs/tiny --port 8000"), help);
        Path model = CliRuns.initModel(dir, "tiny", "llama", 1, 4);
        String err = CliRuns.failing("serve", "--model", model.toString(), "--port", "0", "--lora-modules", "nameless");
        assertTrue(err.contains("--lora-modules takes NAME=DIR, found 'nameless'"), err);
        err = CliRuns.failing("serve", "--model", model.toString(), "--port", "0", "--logprobs-mode", "cooked");
        assertTrue(err.contains("--logprobs-mode must be raw_logprobs or processed_logprobs, found 'cooked'"), err);
        err = CliRuns.failing("serve", "--model", model.toString(), "--port", "0", "--max-model-len", "100000");
        assertTrue(err.contains("--max-model-len=100000 is more than the model's max_position_embeddings"), err);
    }
}
