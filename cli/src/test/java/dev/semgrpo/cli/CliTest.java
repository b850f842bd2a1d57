package dev.semgrpo.cli;

import dev.semgrpo.model.io.Jsonl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path dir;

    @Test
    void initGenerateAndScoreATinyModel() throws Exception {
        Path model = CliRuns.initModel(dir, "model", "qwen2", 2, 3);
        Path tok = dir.resolve("tok");
        assertTrue(Files.exists(model.resolve("model.safetensors")));
        assertTrue(Files.exists(model.resolve("tokenizer_config.json")));

        Path prompts = dir.resolve("p.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"hello\"}\n\n{\"messages\": [{\"role\": \"user\", \"content\":"
                + " \"བོད\"}]}\n");
        Path out = dir.resolve("o.jsonl");
        assertEquals(0, Main.run("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--n", "3", "--max-new-tokens", "5", "--temperature", "0.8", "--top-p", "0.9",
                "--seed", "4"));
        List<String> lines = Files.readAllLines(out);
        assertEquals(6, lines.size());
        JsonNode first = Jsonl.JSON.readTree(lines.get(0));
        assertEquals(first.get("token_ids").size(), first.get("logprobs").size());
        assertTrue(first.get("finish_reason").asText().matches("stop|length"));
        assertTrue(Jsonl.JSON.readTree(lines.get(3)).get("prompt").asText().startsWith("<|im_start|>user"));

        // --chat-template-kwargs: a JSON object of strictly typed values, checked before the model loads
        Path chatOut = dir.resolve("chat.jsonl");
        assertEquals(0, Main.run("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out",
                chatOut.toString(), "--max-new-tokens", "2", "--greedy", "--chat", "--chat-template-kwargs",
                "{\"enable_thinking\": true}"));
        assertEquals("<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n",
                Jsonl.JSON.readTree(Files.readAllLines(chatOut).get(0)).get("prompt").asText());
        String kwErr = CliRuns.failing("generate", "--model", model.toString(), "--prompts", prompts.toString(),
                "--out", dir.resolve("x.jsonl").toString(), "--chat", "--chat-template-kwargs", "{\"a\": 1, \"a\": 2}");
        assertTrue(kwErr.contains("--chat-template-kwargs: not valid JSON (Duplicate field 'a')"), kwErr);
        kwErr = CliRuns.failing("generate", "--model", model.toString(), "--prompts", prompts.toString(),
                "--out", dir.resolve("x.jsonl").toString(), "--chat", "--chat-template-kwargs", "{\"a\": [1]}");
        assertTrue(kwErr.contains("--chat-template-kwargs: 'a' is a list; values must be strings, booleans or finite"
                + " numbers"), kwErr);
        assertFalse(Files.exists(dir.resolve("x.jsonl")));

        Path pairs = dir.resolve("pairs.jsonl");
        Files.writeString(pairs, "{\"prompt\": \"ab\", \"completion\": \"cde\"}\n{\"prompt\": \"x\", \"completion\":"
                + " \"\"}\n");
        Path scores = dir.resolve("s.jsonl");
        assertEquals(0, Main.run("logprobs", "--model", model.toString(), "--data", pairs.toString(), "--out",
                scores.toString()));
        List<String> s = Files.readAllLines(scores);
        assertEquals(3, Jsonl.JSON.readTree(s.get(0)).get("token_logprobs").size());
        assertTrue(Jsonl.JSON.readTree(s.get(0)).get("sum_logprob").asDouble() < 0);
        assertEquals(0, Jsonl.JSON.readTree(s.get(1)).get("token_logprobs").size());

        // bad input: the line number is named and the earlier output survives
        Files.writeString(prompts, "{\"prompt\": \"ok\"}\n{\"prompt\": 3}\n");
        String err = CliRuns.failing("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--overwrite");
        assertTrue(err.contains("p.jsonl:2"), err);
        assertEquals(6, Files.readAllLines(out).size(), "the previous output is untouched");
        Files.writeString(prompts, "{\"prompt\": \"ok\"}\n{oops\n");
        err = CliRuns.failing("generate", "--model", model.toString(), "--prompts", prompts.toString(), "--out",
                out.toString(), "--overwrite");
        assertTrue(err.contains("p.jsonl:2: not valid JSON"), err);
        err = CliRuns.failing("init-model", "--arch", "gpt2", "--hidden", "32", "--layers", "2", "--heads", "4",
                "--kv-heads", "2", "--vocab-from", tok.resolve("tokenizer.json").toString(), "--out",
                dir.resolve("m2").toString());
        assertTrue(err.contains("unsupported model_type 'gpt2'"), err);
        err = CliRuns.failing("init-model", "--arch", "qwen3", "--hidden", "32", "--layers", "2", "--heads", "4",
                "--kv-heads", "2", "--vocab-from", tok.resolve("tokenizer.json").toString(), "--out", model.toString());
        assertTrue(err.contains("not empty"), err);
        assertFalse(err.contains("Exception"), "no stack trace for user errors: " + err);
    }
}
