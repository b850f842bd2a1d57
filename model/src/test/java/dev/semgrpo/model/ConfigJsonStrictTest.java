package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.encoder.EncoderConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json typed strictly: every coercion Jackson would allow is an error naming file, line, key and value. */
class ConfigJsonStrictTest {
    /** A valid tiny llama config, one key per line so that errors can name lines. */
    static final String VALID = """
            {
              "model_type": "llama",
              "vocab_size": 96,
              "hidden_size": 32,
              "intermediate_size": 48,
              "num_hidden_layers": 2,
              "num_attention_heads": 4,
              "num_key_value_heads": 2,
              "head_dim": 8,
              "hidden_act": "silu",
              "rms_norm_eps": 1e-05,
              "rope_theta": 500000.0,
              "rope_scaling": {
                "rope_type": "llama3",
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 64
              },
              "tie_word_embeddings": true,
              "max_position_embeddings": 256,
              "attention_bias": false,
              "mlp_bias": false,
              "bos_token_id": 0,
              "eos_token_id": 1,
              "torch_dtype": "float32"
            }
            """;

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        Path p = dir.resolve("config.json");
        Files.writeString(p, text);
        return p;
    }

    /** The error of loading {@code text}; it must start with the file's path. */
    private String error(String text) throws IOException {
        Path p = write(text);
        Exception e = assertThrows(Exception.class, () -> ModelConfig.load(p));
        assertTrue(e instanceof IllegalArgumentException || e instanceof IOException, e.toString());
        assertTrue(e.getMessage().startsWith(p + ":"), "names the file: " + e.getMessage());
        return e.getMessage().substring(p.toString().length() + 1);
    }

    private String replaced(String key, String value) {
        String out = VALID.replaceFirst("(\"" + key + "\": )[^,\\n]+", "$1" + value);
        assertTrue(!out.equals(VALID), key);
        return out;
    }

    @Test
    void theValidFileLoads() throws IOException {
        assertEquals(TinyModels.llama(), ModelConfig.load(write(VALID)));
    }

    @Test
    void noCoercionIntoIntsOrBooleans() throws IOException {
        assertEquals(" line 20: 'tie_word_embeddings' must be true or false, found \"yes\"; fix config.json",
                error(replaced("tie_word_embeddings", "\"yes\"")));
        assertEquals(" line 6: 'num_hidden_layers' must be a whole number in [-2147483648, 2147483647], found 2.5;"
                + " fix config.json", error(replaced("num_hidden_layers", "2.5")));
        assertTrue(error(replaced("num_hidden_layers", "\"2\"")).contains("found \"2\""));
        assertTrue(error(replaced("bos_token_id", "1000000000000")).contains("'bos_token_id' must be a whole number"));
        assertTrue(error(replaced("bos_token_id", "1e12")).contains("found 1.0E12"));
        assertTrue(error(replaced("vocab_size", "9223372036854775808")).contains("line 3:"));
        assertTrue(error(replaced("mlp_bias", "0")).contains("'mlp_bias' must be true or false, found 0"));
        assertTrue(error(replaced("model_type", "5")).contains("'model_type' must be a string, found 5"));
        assertTrue(error(replaced("original_max_position_embeddings", "64.5"))
                .contains("line 18: 'rope_scaling.original_max_position_embeddings' must be a whole number"));
    }

    @Test
    void idsMustBeTokensOfTheVocabulary() throws IOException {
        assertEquals(" line 25: eos_token_id 96 is not a token of the vocabulary [0, 96); set it to the tokenizer's id"
                + " or remove the key; fix config.json", error(replaced("eos_token_id", "96")));
        assertTrue(error(replaced("bos_token_id", "-1")).contains("bos_token_id -1 is not a token"));
        assertTrue(error(replaced("eos_token_id", "[1, \"2\"]")).contains("must be a token id or a list"));
    }

    @Test
    void nonFiniteNumbersAndWrongRopeTypesAreRejected() throws IOException {
        assertTrue(error(replaced("rms_norm_eps", "NaN")).contains("line 11, column"));
        assertTrue(error(replaced("rope_theta", "1e999")).contains("'rope_theta' must be a finite number, found"));
        assertTrue(error(VALID.replace("\"factor\": 8.0", "\"factor\": -1e999"))
                .contains("'rope_scaling.factor' must be a finite number"));
        String string = VALID.replaceFirst("(?s)\"rope_scaling\": \\{.*?\\},", "\"rope_scaling\": \"llama3\",");
        assertTrue(error(string).startsWith(" line 13: 'rope_scaling' must be an object or null, found \"llama3\""));
        String list = VALID.replaceFirst("(?s)\"rope_scaling\": \\{.*?\\},", "\"rope_scaling\": [8.0],");
        assertTrue(error(list).contains("'rope_scaling' must be an object or null, found [8.0]"));
    }

    @Test
    void duplicateKeysTrailingContentAndBadBytesAreRejected() throws IOException {
        String dup = VALID.replace("\"torch_dtype\": \"float32\"",
                "\"torch_dtype\": \"float32\",\n  \"hidden_size\": 64");
        assertTrue(error(dup).matches(" line 27, column \\d+: not valid JSON: Duplicate field 'hidden_size'.*"),
                error(dup));
        assertTrue(error(VALID + "{}").contains("Trailing token"), error(VALID + "{}"));
        assertTrue(error(VALID.trim() + " x").contains("not valid JSON"));
        Path p = dir.resolve("config.json");
        byte[] bytes = VALID.replace("float32", "float\u00e9").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(p, bytes);
        Exception e = assertThrows(IOException.class, () -> ModelConfig.load(p));
        assertTrue(e.getMessage().startsWith(p + ": line 26: byte "), e.getMessage());
        assertTrue(e.getMessage().contains("(0xe9) is not valid UTF-8; save config.json as UTF-8"), e.getMessage());
    }

    @Test
    void encoderConfigIsTypedTheSameWay() throws IOException {
        Path p = write("""
                {"model_type": "bert", "vocab_size": 50, "hidden_size": 16, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": "64"}
                """);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncoderConfig.load(p));
        assertEquals(p + ": line 2: 'max_position_embeddings' must be a whole number in [-2147483648, 2147483647],"
                + " found \"64\"; fix config.json", e.getMessage());
        Files.writeString(p, "{\"model_type\": \"bert\",, }");
        String malformed = assertThrows(IOException.class, () -> EncoderConfig.load(p)).getMessage();
        assertTrue(malformed.startsWith(p + ": line 1"), malformed);
    }
}
