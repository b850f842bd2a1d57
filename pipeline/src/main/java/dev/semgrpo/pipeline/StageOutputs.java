package dev.semgrpo.pipeline;

import dev.semgrpo.rewards.train.EmbedderTrainer;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a finished stage wrote, as its {@code stage.json} records it ({@link StageMarker}); later stages read their
 * inputs from these records, never from paths of their own making.
 */
public sealed interface StageOutputs {
    /** The model directory a later stage trains or evaluates: a full model, or null when this is an adapter. */
    default Path model() {
        return null;
    }

    /**
     * A training stage's run.
     *
     * @param stage the stage's name
     * @param run its run directory
     * @param checkpoint the last checkpoint
     * @param model the trained full model, or null when it trained an adapter
     * @param adapter the trained adapter (PEFT format), or null for a full fine-tune
     * @param base the model the adapter applies to, or null for a full fine-tune
     */
    record Trained(String stage, Path run, Path checkpoint, Path model, Path adapter, Path base)
            implements StageOutputs {
    }

    /**
     * The reward and similarity encoder, adapted contrastively.
     *
     * @param encoder the sentence-transformers directory
     * @param top1Before held-out top-1 pair retrieval before training
     * @param top1After and after
     * @param trainPairs pairs trained on
     * @param evalPairs held-out pairs
     * @param chance top-1 retrieval by chance (1 / eval pairs)
     */
    record Encoded(Path encoder, double top1Before, double top1After, int trainPairs, int evalPairs, double chance)
            implements StageOutputs {
        /** The outputs of an encoder saved to {@code encoder} after training reported {@code r}. */
        static Encoded of(Path encoder, EmbedderTrainer.Report r) {
            return new Encoded(encoder, r.top1Before(), r.top1After(), r.trainPairs(), r.evalPairs(),
                    1.0 / r.evalPairs());
        }
    }

    /**
     * The cold-start model GRPO starts from: its adapter folded into the base, or the cold start's own full model.
     *
     * @param model the merged model directory
     * @param base the base the adapter was merged into (null when there was no adapter)
     * @param mergedAdapter the adapter merged (null when there was none)
     */
    record Merged(Path model, Path base, Path mergedAdapter) implements StageOutputs {
    }

    /**
     * The cold-start model's outputs on training prompts, and what {@code tau: auto} makes of them.
     *
     * @param calibration the JSONL of prompt, completion and reference
     * @param records its lines
     * @param tau per semantic reward with {@code tau: auto}
     */
    record Calibrated(Path calibration, int records, Map<String, Tau> tau) implements StageOutputs {
    }

    /**
     * One semantic reward's calibrated tau.
     *
     * @param percentile the percentile configured
     * @param percentileValue the similarity at that percentile
     * @param tauFloor the smallest tau allowed
     * @param tau the tau GRPO uses
     * @param records calibration records
     * @param used records with a reference that counted
     */
    record Tau(double percentile, double percentileValue, double tauFloor, double tau, int records, int used) {
    }

    /**
     * One model's evaluation.
     *
     * @param eval the folder with one subfolder per task
     * @param tasks tasks evaluated
     */
    record Evaluated(Path eval, int tasks) implements StageOutputs {
    }

    /**
     * The alignment-tax reports.
     *
     * @param report report.html against the base
     * @param markdown report.md against the base
     * @param reportVsColdStart report.html of GRPO against the cold start
     */
    record Reported(Path report, Path markdown, Path reportVsColdStart) implements StageOutputs {
    }
}
