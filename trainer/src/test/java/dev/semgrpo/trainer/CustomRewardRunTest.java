package dev.semgrpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.trainer.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny GRPO run on TRL-layout data whose reward is a user's class: the reward, its args and extra fields flow. */
class CustomRewardRunTest {
    @TempDir
    Path dir;

    @Test
    void aClassRewardScoresAGrpoRunOnTrlMessagesData() throws IOException {
        TinyRuns.setUp(dir);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"Say hello " + i + "\"}, {\"role\":"
                    + " \"assistant\", \"content\": \"hello\"}], \"id\": \"rec-" + i + "\", \"target_chars\": "
                    + (4 + i) + "}");
        }
        Files.write(dir.resolve("trl.jsonl"), lines);
        String yaml = TinyRuns.grpoYaml("custom", 1, 0, "")
                .replace("data:\n  path: data.jsonl\n  chat: false\n", "data:\n  path: trl.jsonl\n")
                .replace("    - type: chrf\n", "    - type: class\n"
                        + "      class: dev.semgrpo.trainer.TargetLengthReward\n      args: {scale: 2.0}\n"
                        + "    - type: chrf\n      weight: 0.5\n");
        TargetLengthReward.SEEN_IDS.clear();
        ConfigLoader.Loaded c = TinyRuns.load(dir, yaml, List.of(), true);
        Path run = GrpoTrainer.train(c.settings(), c.rewards(), null, null);
        List<String> metrics = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(1, metrics.size());
        for (String l : metrics) {
            JsonNode m = ConfigLoader.YAML.readTree(l);
            double own = m.get("rewards/target_length/mean").asDouble();
            assertTrue(own < 0, "a length reward of random text is below 0: " + m);
            assertEquals(own + 0.5 * m.get("rewards/chrf/mean").asDouble(), m.get("reward").asDouble(), 1e-4,
                    "the total is the weighted sum: " + m);
        }
        // 4 prompts in the step, each record with its extra fields
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < 8; i++) {
            ids.add("rec-" + i);
        }
        assertEquals(4, TargetLengthReward.SEEN_IDS.size(), TargetLengthReward.SEEN_IDS.toString());
        assertTrue(ids.containsAll(TargetLengthReward.SEEN_IDS), TargetLengthReward.SEEN_IDS.toString());
        String sample = Files.readAllLines(run.resolve("samples.jsonl")).get(0);
        assertTrue(sample.contains("\"target_length\":") && sample.contains("\"reference\":\"hello\""), sample);
        assertTrue(sample.contains("\"extra\":{\"id\":\"rec-"), "the record's extra fields: " + sample);
        String resolved = Files.readString(run.resolve("config.resolved.yaml"));
        assertTrue(resolved.contains("class: \"dev.semgrpo.trainer.TargetLengthReward\"")
                || resolved.contains("class: dev.semgrpo.trainer.TargetLengthReward"), resolved);
    }
}
