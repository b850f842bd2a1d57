package dev.semgrpo.eval.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.semgrpo.eval.shard.Shard;
import dev.semgrpo.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An evaluation folder's {@code eval.json}: what was evaluated, where and how. A folder belongs to one model and
 * adapter (and, when sharded, to one shard).
 *
 * @param model the model directory (local engine) or the served model or adapter name (a server)
 * @param adapter the LoRA adapter applied locally, or null
 * @param referenceModel the reference of KL metrics given with --reference-model, or null
 * @param device the compute device of the local engine and the similarity encoder (a merged folder: each shard's)
 * @param dtype the local engine's compute dtype; null when a server generated
 * @param tasks the tasks of the last run into the folder
 * @param started when that run started (ISO-8601)
 * @param java the JVM version
 * @param engine the deep-learning engine and its version
 * @param backend where outputs were generated and scored ({@code GenerationBackend.describe()}; a merged folder's
 *     shards' backends, distinct ones joined by "; "); null in folders written before it was recorded
 * @param shard the shard this folder holds, or null for a whole evaluation
 * @param mergedFrom the shard folders a merged folder was combined from, or null
 */
public record EvalInfo(String model, String adapter, @JsonProperty("reference_model") String referenceModel,
        String device, String dtype, List<String> tasks, String started, String java, String engine,
        @JsonInclude(JsonInclude.Include.NON_NULL) String backend,
        @JsonInclude(JsonInclude.Include.NON_NULL) Shard shard,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("merged_from") List<MergedShard> mergedFrom) {
    public static final String FILE = "eval.json";

    public EvalInfo {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        mergedFrom = mergedFrom == null ? null : List.copyOf(mergedFrom);
    }

    /**
     * One shard folder of a merged evaluation.
     *
     * @param folder the shard folder as given to the merge
     * @param shard its shard
     * @param device where it ran
     * @param backend where its outputs were generated
     * @param started when it started
     */
    public record MergedShard(String folder, Shard shard, String device, String backend, String started) {
    }

    /** {@code dir/eval.json}, or null when there is none; errors name the file. */
    public static EvalInfo read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return EvalResults.JSON.readValue(f.toFile(), EvalInfo.class);
        } catch (JsonProcessingException e) {
            throw new IOException(f + ": not an evaluation's " + FILE + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Writes {@code dir/eval.json}, replacing the one of an earlier run into the folder. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(FILE), tmp -> EvalResults.JSON.writeValue(tmp.toFile(), this));
    }
}
