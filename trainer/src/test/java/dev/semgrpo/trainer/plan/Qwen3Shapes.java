package dev.semgrpo.trainer.plan;

import dev.semgrpo.model.config.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Model directories that hold only a config.json with known shapes (the plan needs nothing else). */
public final class Qwen3Shapes {
    private Qwen3Shapes() {
    }

    /** Qwen3-4B's config.json (the published values that set its shapes). */
    public static final String QWEN3_4B = """
            {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 2560,
             "intermediate_size": 9728, "num_hidden_layers": 36, "num_attention_heads": 32,
             "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151936, "tie_word_embeddings": true,
             "max_position_embeddings": 40960, "rms_norm_eps": 1e-6, "rope_theta": 1000000,
             "hidden_act": "silu", "attention_bias": false, "use_sliding_window": false,
             "bos_token_id": 151643, "eos_token_id": 151645, "torch_dtype": "bfloat16"}
            """;

    /** XLM-RoBERTa base's config.json, in a sentence-transformers folder with max_seq_length 256. */
    public static final String XLMR_BASE = """
            {"model_type": "xlm-roberta", "vocab_size": 250002, "hidden_size": 768, "num_hidden_layers": 12,
             "num_attention_heads": 12, "intermediate_size": 3072, "max_position_embeddings": 514,
             "type_vocab_size": 1, "layer_norm_eps": 1e-5, "pad_token_id": 1}
            """;

    public static ModelConfig qwen3_4b() throws IOException {
        return ModelConfig.fromJson(dev.semgrpo.model.io.Jsonl.JSON.readTree(QWEN3_4B));
    }

    /** Writes {@code dir/config.json} with Qwen3-4B's shapes. */
    public static Path writeQwen3_4b(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), QWEN3_4B);
        return dir;
    }

    /** Writes a sentence-transformers folder with XLM-R base's shapes. */
    public static Path writeXlmrBase(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), XLMR_BASE);
        Files.writeString(dir.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 256}");
        return dir;
    }
}
