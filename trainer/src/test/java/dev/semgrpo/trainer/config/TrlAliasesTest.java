package dev.semgrpo.trainer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The names transformers, TRL and PEFT users bring, accepted at the same place as ours; both spellings refused. */
class TrlAliasesTest {
    private static final String SFT = "run:\n  name: x\nmodel:\n  path: m\n  lora: {r: 8}\ndata:\n  path: d.jsonl\n"
            + "optim:\n  lr: 0.02\n  micro_batch: 4\nsft:\n  batch_size: 8\n";
    private static final String GRPO = "run:\n  name: g\nmodel:\n  path: m\ndata:\n  path: d.jsonl\n"
            + "optim:\n  lr: 1.0e-6\n  micro_batch: 4\n"
            + "grpo:\n  num_generations: 8\n  prompts_per_step: 2\nrewards:\n  rewards:\n    - {type: chrf}\n";

    @TempDir
    Path dir;

    private ConfigLoader.Loaded load(String yaml, boolean grpo, String... sets) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f, List.of(sets), grpo);
    }

    @Test
    void trlNamesStandForOurs() throws IOException {
        String trl = SFT.replace("  lr: 0.02\n  micro_batch: 4\n", "  learning_rate: 0.03\n  lr_scheduler_type: cosine\n"
                + "  per_device_train_batch_size: 2\n").replace("  name: x\n", "  name: x\n  num_train_epochs: 3\n"
                + "  save_steps: 5\n  save_total_limit: 4\n  logging_steps: 2\n").replace("lora: {r: 8}",
                "lora: {r: 8, lora_alpha: 16, lora_dropout: 0.1}");
        Settings s = load(trl, false).settings();
        assertEquals(0.03, s.optim().lr(), 0);
        assertEquals(Settings.Schedule.COSINE, s.optim().schedule());
        assertEquals(2, s.optim().microBatch());
        assertEquals(3, s.run().epochs());
        assertEquals(5, s.run().saveEvery());
        assertEquals(4, s.run().keepLast());
        assertEquals(2, s.run().logEvery());
        assertEquals(16.0, s.model().lora().alpha(), 0);
        assertEquals(0.1, s.model().lora().dropout(), 1e-12);
        // what the run records uses our keys only, so it reads back
        ObjectNode resolved = ConfigLoader.resolved(s, null);
        assertEquals(0.03, resolved.path("optim").path("lr").asDouble(), 0);
        assertTrue(resolved.path("optim").path("learning_rate").isMissingNode(), resolved.toString());
    }

    @Test
    void bothSpellingsOfOneKeyAreAnErrorNamingBoth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(SFT.replace("  lr: 0.02\n", "  lr: 0.02\n  learning_rate: 0.03\n"), false));
        assertTrue(e.getMessage().contains("near line 10: both 'optim.lr' and 'optim.learning_rate' are set"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> load(SFT, false, "model.lora.lora_alpha=32",
                "model.lora.alpha=16"));
        assertTrue(e.getMessage().contains("--set model.lora.lora_alpha=32: both 'model.lora.alpha' and "
                + "'model.lora.lora_alpha'"), e.getMessage());
    }

    @Test
    void gradientAccumulationGivesTheBatchAsTrlCountsIt() throws IOException {
        // SFT: sequences; batch = per_device_train_batch_size x gradient_accumulation_steps
        Settings sft = load(SFT.replace("sft:\n  batch_size: 8\n", ""), false,
                "optim.gradient_accumulation_steps=4").settings();
        assertEquals(16, sft.sft().batchSize());
        assertEquals(4, sft.optim().microBatch());
        // GRPO: completions; 4 x 6 = 24 completions = 3 prompts x 8 generations
        Settings g = load(GRPO.replace("  prompts_per_step: 2\n", ""), true,
                "optim.gradient_accumulation_steps=6").settings();
        assertEquals(3, g.grpo().promptsPerStep());
        assertEquals(24, g.grpo().batch());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(GRPO, true, "optim.gradient_accumulation_steps=6"));
        assertTrue(e.getMessage().contains("optim.gradient_accumulation_steps (6) and grpo.prompts_per_step (2) both"
                + " set the batch"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> load(GRPO.replace("  prompts_per_step: 2\n", ""), true,
                "optim.gradient_accumulation_steps=3"));
        assertTrue(e.getMessage().contains("(4 x 3 = 12 completions) must be divisible by grpo.num_generations (8)"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> load(SFT, false,
                "optim.gradient_accumulation_steps=2"));
        assertTrue(e.getMessage().contains("and sft.batch_size (8) both set the batch"), e.getMessage());
    }
}
