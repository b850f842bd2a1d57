package dev.semgrpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rollout section: defaults, what openai needs, and what each mistake says. */
class RolloutConfigTest {
    private static final String LORA = "  lora:\n    r: 4\n    alpha: 8\n";

    @TempDir
    Path dir;

    private Settings settings(String extra, boolean lora, List<String> sets) throws IOException {
        String yaml = TinyRuns.grpoYaml("r", 1, 0, extra);
        if (lora) {
            yaml = yaml.replace("model:\n  path: model\n", "model:\n  path: model\n" + LORA);
        }
        return Settings.of(ConfigLoader.bind(TinyRuns.tree(dir, yaml, sets), "c.yaml"), dir, true);
    }

    private String error(String extra, boolean lora, String... sets) {
        return assertThrows(IllegalArgumentException.class, () -> settings(extra, lora, List.of(sets))).getMessage();
    }

    @Test
    void absentIsLocalAndOpenAiTakesItsDefaults() throws IOException {
        TinyRuns.setUp(dir);
        assertFalse(settings("", false, List.of()).rollout().remote());
        Settings.Rollout r = settings("rollout:\n  backend: openai\n  base_url: http://127.0.0.1:8000/v1\n"
                + "  model: base\n", true, List.of()).rollout();
        assertTrue(r.remote());
        assertEquals("http://127.0.0.1:8000/v1", r.baseUrl().toString());
        assertEquals(8, r.maxConcurrency());
        assertEquals(3.0, r.isCap());
        assertTrue(r.isCorrection());
        assertNull(r.adapterDir(), "the run directory's rollout-adapters");
        Settings.Rollout set = settings("rollout:\n  backend: openai\n  base_url: http://h:1\n  model: m\n"
                + "  adapter_dir: shared/adapters\n  is_cap: 2\n", true, List.of()).rollout();
        assertEquals(dir.resolve("shared/adapters"), set.adapterDir(), "relative to the config file");
        assertEquals(2.0, set.isCap());
    }

    @Test
    void mistakesAreNamed() throws IOException {
        TinyRuns.setUp(dir);
        String openai = "rollout:\n  backend: openai\n  base_url: http://127.0.0.1:8000/v1\n  model: base\n";
        assertTrue(error(openai, false).contains("needs a LoRA policy (model.lora)"));
        assertTrue(error("rollout:\n  backend: openai\n  model: base\n", true).contains("rollout.base_url"));
        assertTrue(error("rollout:\n  backend: openai\n  base_url: http://h:1\n", true).contains("rollout.model"));
        assertTrue(error("rollout:\n  backend: openai\n  base_url: ftp://h\n  model: m\n", true)
                .contains("rollout.base_url must be an http(s) URL"));
        assertTrue(error("rollout:\n  base_url: http://h:1\n", true)
                .contains("rollout.base_url only apply to rollout.backend openai"));
        assertTrue(error("rollout:\n  backend: vllm\n", true).contains("rollout.backend"));
        assertTrue(error(openai, true, "rollout.is_cap=0.5").contains("rollout.is_cap must be >= 1"));
        assertTrue(error(openai, true, "rollout.max_concurrency=0").contains("rollout.max_concurrency"));
        assertTrue(error(openai + "  api_key: sk-1\n", true).contains("unknown key 'api_key'"),
                "keys are named by variable only, never inline");
        Settings.Rollout r = settings(openai + "  api_key_env: SEMGRPO_TEST_KEY\n", true, List.of()).rollout();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GrpoTrainer.connect(r, Map.<String, String>of()::get));
        assertTrue(e.getMessage().contains("'SEMGRPO_TEST_KEY', which is not set"), e.getMessage());
    }
}
