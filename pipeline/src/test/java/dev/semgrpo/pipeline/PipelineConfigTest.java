package dev.semgrpo.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.trainer.plan.MemoryBudget;
import dev.semgrpo.trainer.plan.Preflight;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigTest {
    private static final Path CONFIGS = Path.of("..", "configs");

    @TempDir
    Path dir;

    @Test
    void theNameMustBeAPlainFolderName() throws IOException {
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, "name: ../up\nbase_model: m\ncold_start: {config: c.yaml}\ngrpo: {config: g.yaml}\n"
                + "eval: {tasks: [t]}\n");
        IOException e = assertThrows(IOException.class, () -> PipelineConfig.load(p));
        assertTrue(e.getMessage().contains("name must be a plain folder name"), e.getMessage());
    }

    @Test
    void defaultsLiveInTheRecordsAndPathsAreAbsolute() throws IOException {
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, "name: x\nbase_model: m\ncold_start: {config: c.yaml}\ngrpo: {config: g.yaml}\n"
                + "encoder: {pairs: pairs.jsonl}\neval: {tasks: [t]}\n");
        PipelineConfig c = PipelineConfig.load(p);
        assertEquals(PipelineConfig.DEFAULT_SEED, c.seed());
        assertEquals(dir.resolve("m").toAbsolutePath().normalize().toString(), c.baseModel());
        assertEquals(dir.resolve("c.yaml").toAbsolutePath().normalize().toString(), c.coldStart().config());
        assertEquals(dir.resolve("pairs.jsonl").toAbsolutePath().normalize().toString(), c.encoder().pairs());
        assertEquals(64, c.encoder().init().hidden());
        assertEquals(2e-5, c.encoder().lr());
        assertEquals(20.0, c.encoder().scale());
        assertEquals(64, c.calibration().size());
        assertEquals(1000, c.report().resamples());
        assertEquals(List.of("cold_start", "merge", "calibrate", "grpo"), new Pipeline(p, c, null).stages()
                .subList(1, 5));
    }

    @Test
    void theDemoPipelineIsNotRefusedOnThisMachine() throws IOException {
        Path f = CONFIGS.resolve("demo").resolve("pipeline.yaml");
        // outputs in a fresh folder, so that no stage of a demo run in this checkout counts as done
        PipelineConfig c = PipelineConfig.load(f);
        PipelineConfig fresh = new PipelineConfig(c.name(), dir.resolve("runs").toString(), c.seed(), c.baseModel(),
                c.device(), c.chatTemplateKwargs(), c.pretrain(), c.encoder(), c.coldStart(), c.calibration(),
                c.grpo(), c.strongSft(), c.eval(), c.report());
        Pipeline p = new Pipeline(f, fresh, null);
        Preflight pre = p.preflight(null);
        assertTrue(pre.plans().size() >= 8, pre.describe(MemoryBudget.of(null, null)));
        pre.check(MemoryBudget.of(null, null), true);
    }
}
