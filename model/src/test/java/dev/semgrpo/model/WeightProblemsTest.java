package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.SafetensorsException;
import dev.semgrpo.model.nn.CausalLM;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A config that disagrees with its checkpoint gets one bounded message, however many tensors it gets wrong. */
class WeightProblemsTest {
    @TempDir
    Path dir;

    private SafetensorsException loadWith(String key, int value) throws IOException {
        try (CausalLM model = TinyModels.random(TinyModels.llama(), 1)) {
            model.save(dir);
        }
        Path config = dir.resolve("config.json");
        ObjectNode json = (ObjectNode) TinyModels.JSON.readTree(config.toFile());
        json.put(key, value);
        TinyModels.JSON.writeValue(config.toFile(), json);
        return assertThrows(SafetensorsException.class, () -> CausalLM.load(dir, Device.cpu(), DataType.FLOAT32));
    }

    @Test
    void aMillionMissingLayersAreOneProblem() throws IOException {
        String msg = loadWith("num_hidden_layers", 1_000_000).getMessage();
        assertEquals(dir + ": 1 weight problem: check config.json against the checkpoint\n"
                + "  num_hidden_layers=1000000 but the checkpoint holds 2 layers (model.layers.0 to model.layers.1);"
                + " set num_hidden_layers to 2 or use the checkpoint made for this config", msg);
    }

    @Test
    void manyProblemsShowTheFirstTenAndACount() throws IOException {
        String msg = loadWith("hidden_size", 40).getMessage();
        // embeddings, 9 tensors in each of 2 layers, final norm: 20 shapes that follow hidden_size
        assertTrue(msg.startsWith(dir + ": 20 weight problems"), msg);
        assertEquals(12, msg.lines().count(), msg);
        assertTrue(msg.endsWith("\n  ... and 10 more"), msg);
        assertTrue(msg.contains("tensor 'model.embed_tokens.weight' has shape [96, 32], expected [96, 40]"), msg);
    }
}
