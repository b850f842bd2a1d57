package dev.semgrpo.eval.shard;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.model.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code <task>/shard.json} of a shard folder: which part of the task it holds. Written before the task's summary,
 * so a finished task of a shard folder always has one.
 *
 * @param task the task's name
 * @param shard the shard
 * @param examplesTotal the task's number of examples (all shards together)
 * @param fingerprint {@link #fingerprint} of the task's config and data: shards of one evaluation agree on it
 * @param blocks the blocks of examples this shard evaluated, in task order; its examples.jsonl holds their records
 *     in that order
 */
public record ShardInfo(String task, Shard shard, @JsonProperty("examples_total") int examplesTotal,
        String fingerprint, List<Block> blocks) {
    public static final String FILE = "shard.json";

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    public ShardInfo {
        blocks = List.copyOf(blocks);
    }

    /** Number of examples this shard evaluated. */
    public int examples() {
        return blocks.stream().mapToInt(Block::size).sum();
    }

    /** {@code taskDir/shard.json}, or null when there is none; errors name the file. */
    public static ShardInfo read(Path taskDir) throws IOException {
        Path f = taskDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return EvalResults.JSON.readValue(f.toFile(), ShardInfo.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new IOException(f + ": not a shard description: " + msg, e);
        }
    }

    /** Writes {@code taskDir/shard.json}, replacing that of an interrupted run of the task. */
    public void write(Path taskDir) throws IOException {
        AtomicFiles.write(taskDir.resolve(FILE), tmp -> EvalResults.JSON.writeValue(tmp.toFile(), this));
    }

    /**
     * {@code sha256:<hex>} over the task's config as recorded in its summary (keys sorted) and the bytes of each data
     * file: two shards agree on it exactly when they evaluated the same task definition on the same data.
     */
    public static String fingerprint(JsonNode config, List<Path> dataFiles) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
        d.update(CANONICAL.writeValueAsBytes(CANONICAL.treeToValue(config, Map.class)));
        for (Path f : dataFiles) {
            d.update(("\nfile " + f.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(f)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0;) {
                    d.update(buf, 0, n);
                }
            }
        }
        return "sha256:" + HexFormat.of().formatHex(d.digest());
    }
}
