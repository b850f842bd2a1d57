package dev.semgrpo.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Hugging Face id given where a local model folder is expected gets the download commands. */
class ModelDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void aMissingOwnerSlashNameIsTakenForAHubIdOnlyWhenItsParentIsMissingToo() throws IOException {
        assertEquals(Optional.of("Qwen/Qwen3-4B"), ModelDirectory.hubIdLike(Path.of("Qwen/Qwen3-4B")));
        assertEquals(Optional.of("Qwen/Qwen3-4B"), ModelDirectory.hubIdLike(dir.resolve("Qwen/Qwen3-4B")));
        assertEquals(Optional.of("meta-llama/Llama-3.1-8B"),
                ModelDirectory.hubIdLike(dir.resolve("meta-llama/Llama-3.1-8B")));
        Files.createDirectories(dir.resolve("runs"));
        assertEquals(Optional.empty(), ModelDirectory.hubIdLike(dir.resolve("runs/tiny")), "its parent exists");
        assertEquals(Optional.empty(), ModelDirectory.hubIdLike(dir.resolve("models/Qwen3-4B")), "a local folder");
        assertEquals(Optional.empty(), ModelDirectory.hubIdLike(dir), "it exists");
        assertEquals(Optional.empty(), ModelDirectory.hubIdLike(Path.of("Qwen3-4B")), "one name only");
        assertEquals(Optional.empty(), ModelDirectory.hubIdLike(dir.resolve("a b/c")), "not a Hub name");
    }

    @Test
    void loadingAHubIdSaysModelsAreLocalFoldersAndHowToDownloadOne() throws IOException {
        Path hub = dir.resolve("Qwen/Qwen3-4B");
        for (Path p : new Path[] {hub, Path.of("Qwen/Qwen3-4B")}) {
            NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> TextTokenizer.load(p));
            assertEquals(p + ": no such folder; if Qwen/Qwen3-4B is a Hugging Face model id: semgrpo reads models"
                    + " from local folders, so download it first with 'huggingface-cli download Qwen/Qwen3-4B"
                    + " --local-dir models/Qwen3-4B' (or 'git lfs clone https://huggingface.co/Qwen/Qwen3-4B"
                    + " models/Qwen3-4B') and give that folder", e.getMessage());
            e = assertThrows(NoSuchFileException.class, () -> CausalLM.load(p, Device.cpu(), DataType.FLOAT32));
            assertTrue(e.getMessage().contains("huggingface-cli download Qwen/Qwen3-4B"), e.getMessage());
            assertFalse(e.getMessage().contains("tokenizer.json"), e.getMessage());
        }
        Path file = Files.writeString(dir.resolve("model.txt"), "x");
        IOException e = assertThrows(IOException.class, () -> TextTokenizer.load(file));
        assertTrue(e.getMessage().endsWith("model.txt: a file, where a model folder (config.json, safetensors,"
                + " tokenizer.json) is expected"), e.getMessage());
        Files.createDirectories(dir.resolve("runs"));
        e = assertThrows(NoSuchFileException.class, () -> TextTokenizer.load(dir.resolve("runs/tiny")));
        assertEquals(dir.resolve("runs/tiny") + ": no such folder", e.getMessage());
    }
}
