package dev.semgrpo.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a run stands: the last finished step, the data cursor, consecutive non-finite steps, and the prompt plus
 * completion tokens trained on so far (logged as {@code num_tokens}; saved under Transformers' name
 * {@code num_input_tokens_seen}; a checkpoint written before it existed counts from 0 on resume). Every random draw
 * of a step is derived from (seed, step), so this is all a checkpoint needs besides weights and optimizer state.
 */
record TrainerState(long step, long cursor, int nonfinite, long numTokens) {
    static final String FILE = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What transformers' {@code trainer_state.json} holds besides semgrpo's own fields.
     *
     * @param maxSteps the steps this run trains ({@code max_steps})
     * @param epoch passes over the data so far, fractional ({@code epoch})
     * @param numTrainEpochs passes the run makes, rounded up as transformers does ({@code num_train_epochs})
     * @param loggingSteps run.log_every
     * @param saveSteps run.save_every (0: only at the end)
     * @param trainBatchSize sequences per optimizer step (SFT: sft.batch_size; GRPO: completions per step)
     * @param logHistory the metrics.jsonl lines up to this step, without their {@code time/*} values (wall-clock
     *     times differ from run to run; dropping them keeps a resumed run's checkpoints bytewise equal to an
     *     uninterrupted run's)
     */
    record Hf(long maxSteps, double epoch, long numTrainEpochs, int loggingSteps, int saveSteps, int trainBatchSize,
            List<JsonNode> logHistory) {
    }

    /**
     * Writes {@link #FILE}: transformers' fields ({@code global_step}, {@code epoch}, {@code max_steps},
     * {@code num_train_epochs}, {@code logging_steps}, {@code save_steps}, {@code train_batch_size},
     * {@code best_metric} and {@code best_model_checkpoint} (null: semgrpo selects no best model),
     * {@code log_history}, {@code num_input_tokens_seen}), then semgrpo's own ({@code step}, {@code cursor},
     * {@code nonfinite}), which resume reads. There is no {@code total_flos}: semgrpo does not count FLOPs.
     */
    void save(Path dir, Hf hf) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("global_step", step);
        o.put("epoch", hf.epoch());
        o.put("max_steps", hf.maxSteps());
        o.put("num_train_epochs", hf.numTrainEpochs());
        o.put("logging_steps", hf.loggingSteps());
        o.put("save_steps", hf.saveSteps());
        o.put("train_batch_size", hf.trainBatchSize());
        o.putNull("best_metric");
        o.putNull("best_model_checkpoint");
        var history = o.putArray("log_history");
        for (JsonNode line : hf.logHistory()) {
            ObjectNode entry = history.addObject();
            line.properties().forEach(e -> {
                if (!e.getKey().startsWith("time/")) {
                    entry.set(e.getKey(), e.getValue());
                }
            });
        }
        o.put("num_input_tokens_seen", numTokens);
        o.put("step", step);
        o.put("cursor", cursor);
        o.put("nonfinite", nonfinite);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(FILE).toFile(), o);
    }

    static TrainerState load(Path dir) throws IOException {
        var n = JSON.readTree(dir.resolve(FILE).toFile());
        return new TrainerState(n.path("step").asLong(), n.path("cursor").asLong(), n.path("nonfinite").asInt(),
                n.path("num_input_tokens_seen").asLong());
    }

    /** A seed for step {@code step} of a run seeded {@code seed} (SplitMix64). */
    static long stepSeed(long seed, long step) {
        long z = seed * 0x9E3779B97F4A7C15L + step + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
