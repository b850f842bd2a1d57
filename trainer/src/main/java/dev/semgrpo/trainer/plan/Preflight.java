package dev.semgrpo.trainer.plan;

import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.io.ModelDirectory;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.rewards.config.RewardConfig;
import dev.semgrpo.trainer.Policy;
import dev.semgrpo.trainer.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run checks before its first step: the inputs it will need that are missing (all of them, at once), and
 * the memory plan of each stage against the device.
 *
 * @param missing one line per missing input: the stage, the key and the path
 * @param plans the stages whose shapes are known
 * @param notes stages that could not be estimated, and why
 */
public record Preflight(List<String> missing, List<StagePlan> plans, List<String> notes) {
    /** How many problems of each kind an error lists before a count. */
    static final int SHOWN = 20;

    public Preflight {
        missing = List.copyOf(missing);
        plans = List.copyOf(plans);
        notes = List.copyOf(notes);
    }

    /**
     * Throws one error naming every missing input, or else every stage that does not fit {@code budget}; returns
     * quietly when neither.
     *
     * @param memory false skips the memory check (inputs are still checked)
     */
    public void check(MemoryBudget budget, boolean memory) {
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(list(Plural.of(missing.size(), "input") + " "
                    + Plural.isAre(missing.size()) + " missing; nothing has run",
                    missing) + "\nPut them in place or point the config at them, then run again.");
        }
        if (!memory) {
            return;
        }
        List<String> refused = new ArrayList<>();
        for (StagePlan p : plans) {
            String r = p.refusal(budget);
            if (r != null) {
                refused.add(r);
            }
        }
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException(list(Plural.of(refused.size(), "stage")
                    + " would not fit in memory by the"
                    + " estimate; nothing has run", refused) + "\n`semgrpo plan --config FILE` prints every term;"
                    + " --gpu-memory SIZE plans for another GPU, --skip-memory-check runs anyway.");
        }
    }

    private static String list(String head, List<String> items) {
        StringBuilder sb = new StringBuilder(head).append(':');
        for (int i = 0; i < Math.min(SHOWN, items.size()); i++) {
            sb.append("\n  - ").append(items.get(i));
        }
        if (items.size() > SHOWN) {
            sb.append("\n  ... and ").append(items.size() - SHOWN).append(" more");
        }
        return sb.toString();
    }

    /** The device of the first stage that runs on a GPU, or null when all run on the CPU. */
    public String gpuDevice() {
        return plans.stream().filter(StagePlan::onGpu).map(StagePlan::device).findFirst().orElse(null);
    }

    /** The whole report, for {@code semgrpo plan}. */
    public String describe(MemoryBudget budget) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(java.util.Locale.ROOT, "GPU: %s (%s); host RAM: %s (%s)%n", budget.gpuBytes() > 0
                ? MemoryBudget.format(budget.gpuBytes()) : "none", budget.gpuSource(),
                MemoryBudget.format(budget.hostBytes()), budget.hostSource()));
        for (StagePlan p : plans) {
            String r = p.refusal(budget);
            long limit = p.onGpu() ? budget.gpuBytes() : budget.hostBytes();
            String fits = String.format(java.util.Locale.ROOT, "  fits: %.0f%% of %s%s%n", 100.0 * p.peak() / limit,
                    MemoryBudget.format(limit), p.peak() > 0.9 * limit ? " (tight: the estimate leaves out the CUDA"
                            + " context and allocator fragmentation)" : "");
            sb.append('\n').append(p.describe()).append(r == null ? fits : "  DOES NOT FIT: " + r + "\n");
        }
        for (String n : notes) {
            sb.append("\nnot estimated: ").append(n).append('\n');
        }
        if (!missing.isEmpty()) {
            sb.append('\n').append(list(Plural.of(missing.size(), "missing input"), missing)).append('\n');
        }
        return sb.toString();
    }

    /** The shapes of the model a training config names: its config.json, or model.init's when it will create one. */
    static ModelConfig modelShapes(Settings.Model m) throws IOException {
        Path cfg = m.path().resolve("config.json");
        if (Files.isRegularFile(cfg)) {
            return ModelConfig.load(cfg);
        }
        return m.init() == null ? null : Policy.initConfig(m.init());
    }

    /**
     * The pre-flight of {@code semgrpo train}: the model, the data file and (GRPO) the reward files, and the memory
     * plan of the run.
     *
     * @param rewards the GRPO run's reward config (null for SFT)
     */
    public static Preflight training(Settings s, RewardConfig rewards, boolean grpo) throws IOException {
        List<String> missing = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String stage = grpo ? "grpo" : "sft";
        if (!Files.isRegularFile(s.model().path().resolve("config.json")) && s.model().init() == null) {
            missing.add("model.path " + s.model().path() + ": no model directory (config.json missing), and no"
                    + " model.init to create one" + ModelDirectory.hubIdLike(s.model().path())
                            .map(id -> "; " + ModelDirectory.downloadHint(id)).orElse(""));
        }
        if (!Files.isRegularFile(s.data().path())) {
            missing.add("data.path " + s.data().path() + ": no such file");
        }
        MemoryPlanner.EncoderShape encoder = null;
        RewardConfig.Encoder enc = null;
        if (grpo) {
            Rewards r = rewards(rewards, false, null, false, missing, "");
            encoder = r.shape();
            enc = r.encoder();
        }
        List<StagePlan> plans = new ArrayList<>();
        ModelConfig c = modelShapes(s.model());
        if (c == null) {
            notes.add(stage + ": needs " + s.model().path().resolve("config.json") + " for the model's shapes");
        } else {
            plans.add(grpo ? MemoryPlanner.grpo(stage, s, c, encoder, enc == null ? null : enc.device(),
                    enc == null || enc.batchSize() == null ? 64 : enc.batchSize()) : MemoryPlanner.sft(stage, s, c));
        }
        return new Preflight(missing, plans, notes);
    }

    /**
     * A GRPO config's reward encoder.
     *
     * @param encoder the reward config's encoder section (device, batch size), or null when no reward needs one
     * @param shape the encoder's shapes, or null when unknown
     */
    public record Rewards(RewardConfig.Encoder encoder, MemoryPlanner.EncoderShape shape) {
    }

    /**
     * The reward encoder of a GRPO run's reward config; missing calibration files and encoders are added to {@code
     * missing}.
     *
     * @param rc the reward config (absolute paths), or null when there is none
     * @param encoderProvided whether the caller replaces the reward config's encoder (the pipeline's encoder stage)
     * @param encoderOverride the replacing encoder's shapes, or null when unknown
     * @param calibrationProvided whether the caller replaces the calibration files (the pipeline's calibrate stage)
     * @param where prefix of the missing-input lines
     */
    public static Rewards rewards(RewardConfig rc, boolean encoderProvided, MemoryPlanner.EncoderShape encoderOverride,
            boolean calibrationProvided, List<String> missing, String where) {
        if (rc == null) {
            return new Rewards(null, null);
        }
        Path base = Path.of("").toAbsolutePath();
        boolean semantic = rc.rewards().stream().anyMatch(r -> r instanceof RewardConfig.Semantic);
        if (!calibrationProvided) {
            for (RewardConfig.Reward r : rc.rewards()) {
                if (r instanceof RewardConfig.Semantic sem && sem.tau() != null && sem.tau().isTextual()
                        && sem.tau().asText().equals("auto") && sem.calibration() != null) {
                    Path cal = base.resolve(sem.calibration()).normalize();
                    if (!Files.isRegularFile(cal)) {
                        missing.add(where + "rewards calibration " + cal + ": no such file (tau: auto needs it)");
                    }
                }
            }
        }
        if (!semantic || rc.encoder() == null) {
            return new Rewards(null, null);
        }
        if (encoderProvided) {
            return new Rewards(rc.encoder(), encoderOverride);
        }
        if (rc.encoder().path() == null) {
            return new Rewards(rc.encoder(), null);
        }
        Path dir = base.resolve(rc.encoder().path()).normalize();
        if (!Files.isDirectory(dir)) {
            missing.add(where + "rewards encoder.path " + dir + ": no such encoder directory");
            return new Rewards(rc.encoder(), null);
        }
        try {
            MemoryPlanner.EncoderShape shape = MemoryPlanner.EncoderShape.read(dir);
            if (rc.encoder().maxSeqLength() != null) {
                shape = new MemoryPlanner.EncoderShape(shape.config(), rc.encoder().maxSeqLength());
            }
            return new Rewards(rc.encoder(), shape);
        } catch (IOException | IllegalArgumentException e) {
            return new Rewards(rc.encoder(), null); // an ONNX export or another layout: not estimated
        }
    }
}
