package dev.semgrpo.trainer.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan of single training runs, and the shipped CPU configs are never refused. */
class TrainingPlanTest {
    private static final Path CONFIGS = Path.of("..", "configs");

    @TempDir
    Path dir;

    private static Settings settings(Path file, List<String> sets, boolean grpo) throws IOException {
        return ConfigLoader.load(file, sets, grpo).settings();
    }

    @Test
    void generationBatchSizeDefaultsToTheOld64RowsAndIsChecked() throws IOException {
        Path f = CONFIGS.resolve("tiny-debug-grpo.yaml");
        assertEquals(8, settings(f, List.of(), true).grpo().generationBatchSize()); // 64 rows / G = 8
        assertEquals(21, settings(f, List.of("grpo.num_generations=3", "grpo.prompts_per_step=16",
                "optim.micro_batch=4"), true).grpo().generationBatchSize());
        assertEquals(1, settings(f, List.of("grpo.num_generations=128", "optim.micro_batch=4"), true).grpo()
                .generationBatchSize());
        assertEquals(2, settings(f, List.of("grpo.generation_batch_size=2"), true).grpo().generationBatchSize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings(f, List.of("grpo.generation_batch_size=0"), true));
        assertTrue(e.getMessage().endsWith(": --set grpo.generation_batch_size=0: grpo.generation_batch_size must be "
                + ">= 1, found 0"), e.getMessage());
    }

    @Test
    void theTinyConfigsPlanFromModelInitAndFitThisMachine() throws IOException {
        for (String name : List.of("tiny-debug-grpo.yaml", "tiny-debug-sft.yaml")) {
            Path f = CONFIGS.resolve(name);
            boolean grpo = name.contains("grpo");
            ConfigLoader.Loaded l = ConfigLoader.load(f, List.of("model.path=" + Path.of("target", "no-model-here")
                    .toAbsolutePath()), grpo);
            Preflight p = Preflight.training(l.settings(), l.rewards(), grpo);
            assertEquals(List.of(), p.missing());
            assertEquals(1, p.plans().size(), p.notes().toString());
            StagePlan plan = p.plans().get(0);
            assertEquals("cpu", plan.device());
            assertTrue(plan.peak() > 100_000 && plan.peak() < 2_000_000_000L, plan.describe());
            p.check(MemoryBudget.of("cpu", null), true);
        }
    }
}
