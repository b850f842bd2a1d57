package dev.semgrpo.trainer.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.io.Provenance;
import dev.semgrpo.trainer.config.ConfigLoader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code runs/<name>/}: config.resolved.yaml, provenance.json, metrics.jsonl, samples.jsonl,
 * checkpoints/step-N/ (written to a temporary folder and renamed into place, the last K kept), plots/.
 */
public final class RunDirectory implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final BufferedWriter metrics;
    private final BufferedWriter samples;

    private RunDirectory(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("checkpoints"));
        this.metrics = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.samples = Files.newBufferedWriter(dir.resolve("samples.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** A new run: the directory must not hold a previous run (use --resume for that). */
    public static RunDirectory create(Path dir, JsonNode resolvedConfig, long seed) throws IOException {
        if (Files.exists(dir.resolve("metrics.jsonl"))) {
            throw new IllegalArgumentException(dir + " already holds a run; pass --resume " + dir + " to continue it,"
                    + " or choose another run.name (nothing was overwritten)");
        }
        Files.createDirectories(dir);
        ConfigLoader.write(dir.resolve("config.resolved.yaml"), resolvedConfig);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("provenance.json").toFile(), provenance(seed));
        return new RunDirectory(dir);
    }

    /**
     * Reopens {@code dir} to resume; metrics and samples lines written after the last checkpoint are cut, so the
     * resumed run continues the files exactly.
     */
    public static RunDirectory resume(Path dir, long checkpointStep) throws IOException {
        if (!Files.isRegularFile(dir.resolve("config.resolved.yaml"))) {
            throw new IllegalArgumentException(dir + ": not a run directory (no config.resolved.yaml)");
        }
        truncateAfter(dir.resolve("metrics.jsonl"), checkpointStep);
        truncateAfter(dir.resolve("samples.jsonl"), checkpointStep);
        return new RunDirectory(dir);
    }

    private static void truncateAfter(Path file, long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank() && JSON.readTree(line).path("step").asLong(0) <= step) {
                keep.add(line);
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, keep);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public Path dir() {
        return dir;
    }

    public void metric(ObjectNode line) throws IOException {
        metrics.write(JSON.writeValueAsString(line));
        metrics.write('\n');
        metrics.flush();
    }

    public void sample(ObjectNode line) throws IOException {
        samples.write(JSON.writeValueAsString(line));
        samples.write('\n');
    }

    /** A fresh temporary checkpoint folder; pass it to {@link #commitCheckpoint} when everything is written. */
    public Path beginCheckpoint(long step) throws IOException {
        Path tmp = dir.resolve("checkpoints").resolve(".tmp-step-" + step);
        if (Files.exists(tmp)) {
            deleteTree(tmp);
        }
        Files.createDirectories(tmp);
        return tmp;
    }

    /** Renames the checkpoint into place and keeps the last {@code keep}. */
    public Path commitCheckpoint(Path tmp, long step, int keep) throws IOException {
        samples.flush();
        Path target = dir.resolve("checkpoints").resolve("step-" + step);
        if (Files.exists(target)) {
            deleteTree(target);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        List<Path> all = checkpoints(dir);
        for (int i = 0; i < all.size() - keep; i++) {
            deleteTree(all.get(i));
        }
        return target;
    }

    /** Complete checkpoints of a run, oldest first. */
    public static List<Path> checkpoints(Path runDir) throws IOException {
        Path c = runDir.resolve("checkpoints");
        if (!Files.isDirectory(c)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(c)) {
            return s.filter(p -> p.getFileName().toString().matches("step-[0-9]+"))
                    .sorted(Comparator.comparingLong(RunDirectory::stepOf)).toList();
        }
    }

    public static long stepOf(Path checkpoint) {
        return Long.parseLong(checkpoint.getFileName().toString().substring("step-".length()));
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    private static ObjectNode provenance(long seed) {
        ObjectNode o = Provenance.common();
        o.put("djl", ai.djl.engine.Engine.getDjlVersion());
        o.put("torch", Torch.engine().getVersion());
        o.put("cpus", Runtime.getRuntime().availableProcessors());
        o.put("seed", seed);
        return o;
    }

    @Override
    public void close() throws IOException {
        metrics.close();
        samples.close();
    }
}
