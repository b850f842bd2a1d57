package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.io.Checkpoint;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.SafetensorsException;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SaveLoadTest {
    @TempDir
    Path dir;

    static Iterable<ModelConfig> configs() {
        return TinyModels.all();
    }

    private static float[] logits(CausalLM model) {
        try (NDManager m = NDManager.newBaseManager()) {
            long[] ids = {3, 14, 15, 92, 65, 35};
            return model.forward(m.create(ids, new Shape(1, ids.length)), null, null, null, false).toFloatArray();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void saveThenLoadGivesIdenticalLogits(ModelConfig c) throws IOException {
        Path tok = dir.resolve("tok");
        ByteLevelTokenizer.write(tok);
        try (CausalLM model = TinyModels.random(c, 21)) {
            float[] before = logits(model);
            Path out = dir.resolve(c.architecture().modelType());
            model.save(out, DType.F32, tok, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
            assertTrue(Files.exists(out.resolve("tokenizer.json")));
            JsonNode cfg = TinyModels.JSON.readTree(out.resolve("config.json").toFile());
            assertEquals(c.architecture().hfClass(), cfg.get("architectures").get(0).asText());
            try (CausalLM loaded = CausalLM.load(out, Device.cpu(), DataType.FLOAT32)) {
                assertEquals(c, loaded.config());
                assertArrayEquals(before, logits(loaded));
            }
            // sharded and bf16 storage load too
            Path sharded = dir.resolve("sharded-" + c.architecture().modelType());
            model.save(sharded, DType.F32, tok, 20_000);
            assertTrue(Files.exists(sharded.resolve(Checkpoint.INDEX)));
            try (CausalLM loaded = CausalLM.load(sharded, Device.cpu(), DataType.FLOAT32)) {
                assertArrayEquals(before, logits(loaded));
            }
            Path bf16 = dir.resolve("bf16-" + c.architecture().modelType());
            model.save(bf16, DType.BF16, tok, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES);
            try (CausalLM loaded = CausalLM.load(bf16, Device.cpu(), DataType.FLOAT32)) {
                float[] after = logits(loaded);
                for (int i = 0; i < after.length; i++) {
                    assertEquals(before[i], after[i], 0.05 + Math.abs(before[i]) * 0.02);
                }
            }
            try (CausalLM half = CausalLM.load(out, Device.cpu(), DataType.FLOAT16)) {
                float[] after = logits(half);
                for (int i = 0; i < after.length; i++) {
                    assertEquals(before[i], after[i], 0.02 + Math.abs(before[i]) * 0.01);
                }
            }
        }
    }

    @Test
    void aCheckpointWithMoreLayersThanTheConfigIsRejected() throws IOException {
        try (CausalLM model = TinyModels.random(TinyModels.qwen3(), 23)) {
            Path out = dir.resolve("deeper");
            model.save(out);
            ObjectNode cfg = (ObjectNode) TinyModels.JSON.readTree(out.resolve("config.json").toFile());
            cfg.put("num_hidden_layers", 2);
            Files.writeString(out.resolve("config.json"), cfg.toString());
            SafetensorsException e = assertThrows(SafetensorsException.class,
                    () -> CausalLM.load(out, Device.cpu(), DataType.FLOAT32));
            assertTrue(e.getMessage().contains("belongs to layer 2 but num_hidden_layers=2"), e.getMessage());
        }
    }

    @Test
    void missingAndMisShapedTensorsAreReportedTogether() throws IOException {
        ModelConfig c = TinyModels.qwen3();
        try (CausalLM model = TinyModels.random(c, 22); NDManager m = NDManager.newBaseManager()) {
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                String name = e.getKey();
                if (name.equals("model.layers.1.mlp.up_proj.weight")) {
                    continue;
                }
                NDArray a = name.equals("model.layers.0.self_attn.k_proj.weight")
                        ? m.zeros(new Shape(32, 32)) : e.getValue();
                entries.add(new SafetensorsWriter.Entry(name, a, DType.F32));
            }
            Files.createDirectories(dir.resolve("bad"));
            SafetensorsWriter.write(dir.resolve("bad/model.safetensors"), entries, null);
            Files.writeString(dir.resolve("bad/config.json"), c.toJson("float32").toString());
            SafetensorsException e = assertThrows(SafetensorsException.class,
                    () -> CausalLM.load(dir.resolve("bad"), Device.cpu(), DataType.FLOAT32));
            String msg = e.getMessage();
            assertTrue(msg.contains("2 weight problems"), msg);
            assertTrue(msg.contains("missing tensor 'model.layers.1.mlp.up_proj.weight', expected shape [64, 32]"), msg);
            assertTrue(msg.contains("'model.layers.0.self_attn.k_proj.weight' has shape [32, 32], expected [16, 32]"
                    + " (num_key_value_heads=1, head_dim=16"), msg);
        }
    }

    @Test
    void equalMetadataGivesEqualBytesAndAFailedWriteLeavesNoTemporaryFile() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            List<SafetensorsWriter.Entry> entries = List.of(new SafetensorsWriter.Entry("w", m.arange(6f), DType.F32));
            Map<String, String> ab = new LinkedHashMap<>();
            ab.put("step", "7");
            ab.put("params", "1");
            Map<String, String> ba = new LinkedHashMap<>();
            ba.put("params", "1");
            ba.put("step", "7");
            SafetensorsWriter.write(dir.resolve("ab.safetensors"), entries, ab);
            SafetensorsWriter.write(dir.resolve("ba.safetensors"), entries, ba);
            assertArrayEquals(Files.readAllBytes(dir.resolve("ab.safetensors")),
                    Files.readAllBytes(dir.resolve("ba.safetensors")), "metadata keys are written sorted");

            Path file = dir.resolve("bad.safetensors");
            IOException e = assertThrows(IOException.class, () -> SafetensorsWriter.write(file,
                    List.of(new SafetensorsWriter.Entry("w", m.arange(6f), DType.BOOL)), null));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("cannot store"),
                    e.getMessage());
            assertEquals(List.of("ab.safetensors", "ba.safetensors"), Arrays.stream(dir.toFile().list()).sorted()
                    .toList(), "neither the file nor its .tmp is left");
        }
    }
}
