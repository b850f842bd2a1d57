package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.rewards.train.EmbedderTrainer;
import dev.semgrpo.rewards.train.SyntheticParallel;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardCliTest {
    @TempDir
    Path dir;

    private Path resource(String name) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(name)) {
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void importOnnxEmbedAndReward() throws Exception {
        Path enc = dir.resolve("minilm");
        assertEquals(0, Main.run("embedder", "import-onnx", "--onnx", resource("all-minilm-l6-v2.onnx").toString(),
                "--tokenizer", resource("all-minilm-l6-v2-tokenizer.json").toString(), "--heads", "12", "--normalize",
                "--out", enc.toString()));
        Path texts = dir.resolve("t.jsonl");
        Files.writeString(texts, "{\"text\": \"hello there\"}\n{\"text\": \"བོད་ཡིག\"}\n");
        Path emb = dir.resolve("e.jsonl");
        assertEquals(0, Main.run("embed", "--model", enc.toString(), "--data", texts.toString(), "--out",
                emb.toString()));
        assertEquals(384, Jsonl.JSON.readTree(Files.readAllLines(emb).get(0)).get("embedding").size());

        Path cfg = dir.resolve("r.yaml");
        Files.writeString(cfg, "encoder:\n  path: minilm\nrewards:\n  - type: semantic\n    weight: 1.5\n    tau: 0.2\n"
                + "  - type: language\n    scripts: [latin]\n");
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"completion\": \"The cat sat.\", \"reference\": \"The cat sat.\"}\n"
                + "{\"completion\": \"\", \"references\": []}\n");
        Path out = dir.resolve("r.jsonl");
        assertEquals(0, Main.run("reward", "--config", cfg.toString(), "--data", data.toString(), "--out",
                out.toString()));
        List<String> lines = Files.readAllLines(out);
        JsonNode first = Jsonl.JSON.readTree(lines.get(0));
        assertEquals(2.5, first.get("reward").asDouble(), 1e-4);
        JsonNode noRef = Jsonl.JSON.readTree(lines.get(1));
        assertEquals("{\"index\":1,\"skipped\":\"no reference\"}", noRef.toString(), "not scored, and says so");

        // a negative tau pays a non-empty unrelated output, never an empty one; rows without references are skipped
        Files.writeString(cfg, "encoder:\n  path: minilm\nrewards:\n  - type: semantic\n    tau: -0.5\n");
        Files.writeString(data, "{\"completion\": \"Stock prices fell.\", \"reference\": \"A cat sleeps.\"}\n"
                + "{\"completion\": \" \\u00a0\\n\", \"reference\": \"A cat sleeps.\"}\n"
                + "{\"completion\": \"A cat sleeps.\", \"references\": [\" \"]}\n"
                + "{\"completion\": \"A cat sleeps.\"}\n");
        Path out2 = dir.resolve("r2.jsonl");
        assertEquals(0, Main.run("reward", "--config", cfg.toString(), "--data", data.toString(), "--out",
                out2.toString()));
        lines = Files.readAllLines(out2);
        assertEquals(4, lines.size());
        assertTrue(Jsonl.JSON.readTree(lines.get(0)).get("semantic").asDouble() > 0, lines.get(0));
        assertEquals(0.0, Jsonl.JSON.readTree(lines.get(1)).get("semantic").asDouble(), 0, lines.get(1));
        for (int i = 2; i < 4; i++) {
            assertEquals("no reference", Jsonl.JSON.readTree(lines.get(i)).get("skipped").asText(), lines.get(i));
            assertTrue(!Jsonl.JSON.readTree(lines.get(i)).has("reward"), lines.get(i));
        }

        // no row with a reference: an error naming the file and the rewards that need one; no output written
        Files.writeString(data, "{\"completion\": \"A cat sleeps.\"}\n");
        Path out3 = dir.resolve("r3.jsonl");
        String err = CliRuns.failing("reward", "--config", cfg.toString(), "--data", data.toString(), "--out",
                out3.toString());
        assertTrue(err.contains("d.jsonl: none of the 1 records has a reference") && err.contains("[semantic]"), err);
        assertTrue(!Files.exists(out3));
    }

    @Test
    void rewardsThatNeedNoReferenceScoreEveryRow() throws Exception {
        Path cfg = dir.resolve("r.yaml");
        Files.writeString(cfg, "rewards:\n  - type: language\n    scripts: [latin]\n");
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"completion\": \"The cat sat.\"}\n{\"completion\": \"\u0f56\u0f7c\u0f51\"}\n");
        Path out = dir.resolve("r.jsonl");
        assertEquals(0, Main.run("reward", "--config", cfg.toString(), "--data", data.toString(), "--out",
                out.toString()));
        List<String> lines = Files.readAllLines(out);
        assertEquals(1.0, Jsonl.JSON.readTree(lines.get(0)).get("reward").asDouble(), 0);
        assertEquals(0.0, Jsonl.JSON.readTree(lines.get(1)).get("reward").asDouble(), 0);
    }

    @Test
    void embedderTrainRaisesRetrievalAndWritesAReport() throws Exception {
        Path base = SyntheticParallel.randomEncoder(dir, 11);
        Path pairs = dir.resolve("pairs.jsonl");
        List<String> lines = new ArrayList<>();
        for (EmbedderTrainer.Pair p : SyntheticParallel.pairs(480, 3)) {
            lines.add(Jsonl.JSON.writeValueAsString(java.util.Map.of("anchor", p.anchor(), "positive", p.positive())));
        }
        Files.write(pairs, lines);
        Path out = dir.resolve("trained");
        assertEquals(0, Main.run("embedder", "train", "--base", base.toString(), "--pairs", pairs.toString(),
                "--eval-fraction", "0.2", "--epochs", "8", "--batch", "32", "--lr", "3e-3", "--dropout", "0",
                "--symmetric", "--out", out.toString()));
        JsonNode report = Jsonl.JSON.readTree(out.resolve("training_report.json").toFile());
        assertTrue(report.get("top1_after").asDouble() > report.get("top1_before").asDouble() + 0.3, report.toString());
        assertEquals(96, report.get("eval_pairs").asInt());
        assertEquals(1, Main.run("embedder", "train", "--base", base.toString(), "--pairs", pairs.toString(), "--out",
                out.toString()), "a non-empty --out is refused");
    }
}
