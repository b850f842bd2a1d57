package dev.semgrpo.trainer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.trainer.data.PromptDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training configs and data are read strictly, and every error names the file, the line and the key. */
class StrictConfigTest {
    private static final String SFT = "run:\n  name: x\n  max_steps: 2\n"
            + "model:\n  path: model\n"
            + "data:\n  path: data.jsonl\n"
            + "optim:\n  lr: 0.02\n  micro_batch: 4\n"
            + "sft:\n  batch_size: 8\n";

    @TempDir
    Path dir;

    private Settings settings(String yaml, List<String> sets, boolean grpo) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f, sets, grpo).settings();
    }

    private String error(String yaml, List<String> sets, boolean grpo) {
        Exception e = assertThrows(Exception.class, () -> settings(yaml, sets, grpo), yaml + sets);
        assertTrue(e instanceof IOException || e instanceof IllegalArgumentException, e.toString());
        assertTrue(e.getMessage().startsWith(dir.resolve("c.yaml").toString()), e.getMessage());
        return e.getMessage().substring(dir.resolve("c.yaml").toString().length());
    }

    @Test
    void typesAreCheckedWithFileLineAndValue() throws IOException {
        assertEquals(2, settings(SFT, List.of(), false).run().maxSteps());
        assertEquals(": near line 3: run.max_steps: expected a whole number, found the number 1.7",
                error(SFT.replace("max_steps: 2", "max_steps: 1.7"), List.of(), false));
        assertEquals(": near line 8: data.chat: expected true or false, found the string \"yes\" (unquote it if a"
                + " number or boolean is meant)", error(SFT.replace("data.jsonl\n", "data.jsonl\n  chat: 'yes'\n"),
                List.of(), false));
        String dup = error(SFT + "run:\n  name: y\n", List.of(), false);
        assertTrue(dup.contains("near line 13: duplicate key 'run'"), dup);
        String nan = error(SFT.replace("lr: 0.02", "lr: .nan"), List.of(), false);
        assertTrue(nan.contains("near line 9: ") && nan.contains("expected a finite number, found '.nan'"), nan);
        assertEquals(": near line 3: run.max_steps must be >= 1, found 0",
                error(SFT.replace("max_steps: 2", "max_steps: 0"), List.of(), false));
    }

    @Test
    void overridesAreNamedAndAnEmptyOneRestoresTheDefault() throws IOException {
        assertEquals(": --set run.max_steps=1.5: run.max_steps: expected a whole number, found the number 1.5",
                error(SFT, List.of("run.max_steps=1.5"), false));
        assertNull(settings(SFT, List.of("run.max_steps="), false).run().maxSteps());
        assertNull(settings(SFT, List.of("run.max_steps=null"), false).run().maxSteps());
    }

    @Test
    void inlineRewardErrorsGiveTheLineInTheUsersFile() {
        String grpo = SFT.replace("sft:\n  batch_size: 8\n", "grpo:\n  num_generations: 2\n  prompts_per_step: 2\n")
                + "rewards:\n  rewards:\n    - type: chrf\n    - {type: length, weight: '1.5'}\n";
        assertEquals(": near line 17: rewards.rewards[1].weight: expected a number, found the string \"1.5\" (unquote"
                + " it if a number or boolean is meant)", error(grpo, List.of(), true));
    }

    @Test
    void runNamesStayInsideTheOutputFolder() throws IOException {
        for (String name : List.of("../x", "/abs", "a/b", "..", ".", "a\\\\b", "'c:x'", "' x'")) {
            String m = error(SFT.replace("name: x", "name: " + name), List.of(), false);
            assertTrue(m.contains("run.name must be a plain folder name"), m);
        }
        assertEquals("x.y-1", settings(SFT.replace("name: x", "name: x.y-1"), List.of(), false).run().name());
    }

    @Test
    void messagesMustBeRoleAndContentStrings() throws IOException {
        ByteLevelTokenizer.write(dir.resolve("tok"));
        TextTokenizer tok = TextTokenizer.load(dir.resolve("tok"));
        String[] bad = {
            "{\"messages\": [], \"reference\": \"r\"}",
            "{\"messages\": {\"role\": \"user\", \"content\": \"hi\"}, \"reference\": \"r\"}",
            "{\"messages\": [\"hi\"], \"reference\": \"r\"}",
            "{\"messages\": [{\"role\": \"user\", \"content\": [\"hi\"]}], \"reference\": \"r\"}",
            "{\"messages\": [{\"role\": \"user\", \"text\": \"hi\"}], \"reference\": \"r\"}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\", \"name\": \"a\"}], \"reference\": \"r\"}",
            "{\"messages\": [{\"role\": \"usr\", \"content\": \"hi\"}], \"reference\": \"r\"}",
            "{\"messages\": [{\"role\": \"system\", \"content\": \"hi\"}], \"reference\": \"r\"}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \" \"}], \"reference\": \"r\"}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"prompt\": \"p\", \"reference\": \"r\"}",
        };
        Path data = dir.resolve("data.jsonl");
        Files.writeString(data, "{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\","
                + " \"content\": \"hi\"}], \"reference\": \"r\"}\n" + String.join("\n", bad) + "\n");
        Settings.Data d = new Settings.Data(data, "prompt", "reference", true, 512, null, false,
                PromptRenderer.DEFAULT_KWARGS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptDataset.load(d, tok, 0));
        assertTrue(e.getMessage().startsWith(bad.length + " bad records; "), e.getMessage());
        for (int line = 2; line <= bad.length + 1; line++) {
            assertTrue(e.getMessage().contains(data + ":" + line + ": "), line + ": " + e.getMessage());
        }
        Files.writeString(data, "{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\","
                + " \"content\": \"hi\"}], \"reference\": \"r\"}\n");
        assertEquals(1, PromptDataset.load(d, tok, 0).size());
    }
}
