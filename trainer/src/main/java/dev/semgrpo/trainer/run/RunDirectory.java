package dev.semgrpo.trainer.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.io.AtomicFiles;
import dev.semgrpo.model.io.DirectoryLock;
import dev.semgrpo.model.io.Provenance;
import dev.semgrpo.model.io.TensorBoardEvents;
import dev.semgrpo.trainer.config.ConfigLoader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code runs/<name>/}: config.resolved.yaml, provenance.json, metrics.jsonl, samples.jsonl, TensorBoard event files
 * ({@code events.out.tfevents.*}: every numeric metric per step, one file per start or resume),
 * checkpoints/step-N/ (written to a temporary folder, sealed with {@link #CHECKPOINT_MARKER} and renamed into place,
 * the last K kept), checkpoints/latest (the newest one's name), final/ (the last weights, {@link #writeFinal}),
 * trainer_state.json (when the run ends), plots/ (METRIC.png and METRIC.csv).
 *
 * <p>One process writes a run at a time ({@link DirectoryLock} on {@code .lock}, released when the process ends).
 * A run survives a kill at any moment: a checkpoint counts only when its marker is there and every file it lists
 * has the recorded size; temporary folders left by a kill are removed when the run is opened again; on resume the
 * append-only logs lose a torn last line and every line past the checkpoint's step.
 */
public final class RunDirectory implements AutoCloseable {
    /** Written last into a checkpoint: its step and every file with its size (sorted, so runs compare bytewise). */
    public static final String CHECKPOINT_MARKER = "checkpoint.json";
    /** The run's final weights, as PEFT or transformers load them ({@link #writeFinal}). */
    public static final String FINAL = "final";
    /** {@code checkpoints/latest}: the newest complete checkpoint's folder name and a newline, as DeepSpeed's. */
    public static final String LATEST = "latest";
    /** The run's provenance ({@link #provenance}). */
    public static final String PROVENANCE = "provenance.json";
    /** Where a run stands, as transformers' Trainer writes it: in each checkpoint, and in the run when it ends. */
    public static final String TRAINER_STATE = "trainer_state.json";
    private static final String TMP_PREFIX = ".tmp-";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final BufferedWriter metrics;
    private final BufferedWriter samples;
    private final TensorBoardEvents events;
    private final DirectoryLock lock;

    private RunDirectory(Path dir, long resumeStep, DirectoryLock lock) throws IOException {
        this.dir = dir;
        this.lock = lock;
        Files.createDirectories(dir.resolve("checkpoints"));
        removeLeftovers(dir.resolve("checkpoints"));
        removeLeftovers(dir);
        writeLatest();
        this.metrics = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.samples = Files.newBufferedWriter(dir.resolve("samples.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.events = TensorBoardEvents.open(dir, resumeStep);
    }

    /**
     * A new run. A folder that holds a complete checkpoint is an error (resume it); one without (a run killed before
     * its first checkpoint, or whose set-up failed) is moved aside to {@code <name>.interrupted-<time>} first.
     *
     * @param device the model's device setting (cpu, gpu, gpu:N), recorded in provenance.json
     * @param notes where the move aside is reported
     */
    public static RunDirectory create(Path dir, JsonNode resolvedConfig, long seed, String device,
            java.io.PrintStream notes) throws IOException {
        List<Path> cps = checkpoints(dir);
        if (!cps.isEmpty()) {
            throw new IllegalArgumentException(dir + " already holds a run with checkpoint "
                    + cps.get(cps.size() - 1).getFileName() + "; pass --resume " + dir + " to continue it,"
                    + " or choose another run.name (nothing was overwritten)");
        }
        if (holdsRun(dir)) {
            DirectoryLock.ensureFree(dir, "run"); // never move a live run aside
            Path aside = moveAside(dir);
            notes.println("note: " + dir + " held no complete checkpoint (a run killed before its first checkpoint,"
                    + " or whose set-up failed); moved aside to " + aside + " and starting again");
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.anyMatch(p -> !p.getFileName().toString().equals(DirectoryLock.FILE))) {
                    throw new IllegalArgumentException(dir + " is a folder that holds no run (no config.resolved.yaml,"
                            + " metrics.jsonl or checkpoints/); choose another run.name or run.output_dir (nothing"
                            + " was moved or overwritten)");
                }
            }
        }
        DirectoryLock lock = DirectoryLock.acquire(dir, "run");
        try {
            AtomicFiles.write(dir.resolve("config.resolved.yaml"), tmp -> ConfigLoader.write(tmp, resolvedConfig));
            writeJson(dir.resolve(PROVENANCE), provenance(seed, device));
            return new RunDirectory(dir, 0, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** True when {@code dir} holds files a run writes (so it may be moved aside to start again). */
    private static boolean holdsRun(Path dir) {
        for (String f : List.of("config.resolved.yaml", "provenance.json", "metrics.jsonl", "samples.jsonl",
                "checkpoints")) {
            if (Files.exists(dir.resolve(f))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reopens {@code dir} to resume from the checkpoint of step {@code checkpointStep}: metrics and samples lose a
     * torn last line (a kill mid-write) and every line past that step, so the resumed run continues them exactly.
     */
    public static RunDirectory resume(Path dir, long checkpointStep) throws IOException {
        if (!Files.isRegularFile(dir.resolve("config.resolved.yaml"))) {
            throw new IllegalArgumentException(dir + ": not a run directory (no config.resolved.yaml)");
        }
        DirectoryLock lock = DirectoryLock.acquire(dir, "run");
        try {
            truncateAfter(dir.resolve("metrics.jsonl"), checkpointStep);
            truncateAfter(dir.resolve("samples.jsonl"), checkpointStep);
            recordResume(dir, checkpointStep);
            // a new event file whose SessionLog START makes TensorBoard drop the earlier files' points past the
            // checkpoint
            return new RunDirectory(dir, checkpointStep + 1, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Keeps the lines of an append-only log up to {@code step}. Every line up to a checkpoint's step was flushed
     * before the checkpoint was sealed, so only a last line without its newline can be torn (a kill mid-write): it is
     * dropped. A complete line that is not JSON with a step was not written by a run and is an error naming it.
     */
    static void truncateAfter(Path file, long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--; // a torn last line may end inside a UTF-8 sequence: cut it as bytes
        }
        String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1); // the last element is "" (what followed the last newline is cut)
        StringBuilder keep = new StringBuilder();
        for (int i = 0; i < lines.length - 1; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(lines[i]);
            } catch (IOException e) {
                node = null;
            }
            if (node == null || !node.path("step").canConvertToLong()) {
                throw new IOException(file + ":" + (i + 1) + ": not a JSON line with a 'step' (" + preview(lines[i])
                        + "); this log was changed outside the run: fix or remove that line, then resume again");
            }
            if (node.path("step").asLong() <= step) {
                keep.append(lines[i]).append('\n');
            }
        }
        if (end != bytes.length || keep.length() != text.length()) {
            AtomicFiles.write(file, tmp -> Files.writeString(tmp, keep, StandardCharsets.UTF_8));
        }
    }

    private static String preview(String line) {
        return line.length() <= 60 ? line : line.substring(0, 60) + "...";
    }

    public Path dir() {
        return dir;
    }

    /**
     * Appends a line to metrics.jsonl (flushed) and its numeric values to the TensorBoard events, tagged by their
     * metrics.jsonl names, at the line's {@code step}; a write error names the file.
     */
    public void metric(ObjectNode line) throws IOException {
        append(metrics, "metrics.jsonl", line, true);
        JsonNode step = line.get("step");
        if (step != null && step.canConvertToLong()) {
            Map<String, Double> values = new LinkedHashMap<>();
            line.properties().forEach(e -> {
                if (!e.getKey().equals("step") && e.getValue().isNumber()) {
                    values.put(e.getKey(), e.getValue().asDouble());
                }
            });
            events.scalars(step.asLong(), System.currentTimeMillis() / 1000.0, values);
            events.flush();
        }
    }

    /** Appends a line to samples.jsonl (flushed with the next checkpoint); a write error names the file. */
    public void sample(ObjectNode line) throws IOException {
        append(samples, "samples.jsonl", line, false);
    }

    private void append(BufferedWriter w, String name, ObjectNode line, boolean flush) throws IOException {
        try {
            w.write(JSON.writeValueAsString(line));
            w.write('\n');
            if (flush) {
                w.flush();
            }
        } catch (IOException e) {
            throw new FileSystemException(dir.resolve(name).toString(), null, e.getMessage() + "; the run stopped,"
                    + " resume it from its last checkpoint with --resume " + dir);
        }
    }

    /** A fresh temporary checkpoint folder; pass it to {@link #commitCheckpoint} when everything is written. */
    public Path beginCheckpoint(long step) throws IOException {
        Path tmp = dir.resolve("checkpoints").resolve(TMP_PREFIX + "step-" + step);
        if (Files.exists(tmp)) {
            AtomicFiles.deleteTree(tmp);
        }
        Files.createDirectories(tmp);
        return tmp;
    }

    /**
     * Seals the checkpoint (the logs flushed, then {@link #CHECKPOINT_MARKER} written last), renames it into place
     * and keeps the last {@code keep}. An older checkpoint is renamed to a temporary name before it is deleted, so a
     * kill mid-delete never leaves a partial {@code step-N}.
     */
    public Path commitCheckpoint(Path tmp, long step, int keep) throws IOException {
        samples.flush();
        metrics.flush();
        seal(tmp, step);
        Path target = dir.resolve("checkpoints").resolve("step-" + step);
        CrashPoint.CHECKPOINT_SEALED.reach(step, target);
        if (Files.exists(target)) {
            discard(target);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        CrashPoint.CHECKPOINT_RENAMED.reach(step, target);
        writeLatest(); // before pruning: 'latest' always names a complete checkpoint that exists
        List<Path> all = checkpoints(dir);
        for (int i = 0; i < all.size() - keep; i++) {
            discard(all.get(i));
        }
        return target;
    }

    /** Removes a temporary checkpoint folder after a failed write; a failure to remove it is added to {@code e}. */
    public void abandonCheckpoint(Path tmp, Exception e) {
        try {
            if (Files.exists(tmp)) {
                AtomicFiles.deleteTree(tmp);
            }
        } catch (IOException | UncheckedIOException x) {
            e.addSuppressed(x);
        }
    }

    private static void seal(Path tmp, long step) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(tmp)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                files.put(tmp.relativize(f).toString().replace('\\', '/'), Files.size(f));
            }
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        files.forEach(o.putObject("files")::put);
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(CHECKPOINT_MARKER).toFile(), o);
    }

    /** Complete checkpoints of a run, oldest first: sealed, and every file listed in the seal has its size. */
    public static List<Path> checkpoints(Path runDir) throws IOException {
        Path c = runDir.resolve("checkpoints");
        if (!Files.isDirectory(c)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(c)) {
            return s.filter(p -> p.getFileName().toString().matches("step-[0-9]{1,18}"))
                    .filter(RunDirectory::complete)
                    .sorted(Comparator.comparingLong(RunDirectory::stepOf)).toList();
        }
    }

    /** True when {@code checkpoint} holds its marker for its own step and every file the marker lists. */
    public static boolean complete(Path checkpoint) {
        Path marker = checkpoint.resolve(CHECKPOINT_MARKER);
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        try {
            JsonNode m = JSON.readTree(marker.toFile());
            if (m == null || m.path("step").asLong(-1) != stepOf(checkpoint) || !m.path("files").isObject()
                    || m.path("files").isEmpty()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> f : m.get("files").properties()) {
                Path p = checkpoint.resolve(f.getKey()).normalize();
                if (!p.startsWith(checkpoint.normalize()) || !Files.isRegularFile(p)
                        || Files.size(p) != f.getValue().asLong(-1)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static long stepOf(Path checkpoint) {
        return Long.parseLong(checkpoint.getFileName().toString().substring("step-".length()));
    }

    /**
     * Moves {@code p} aside to {@code <name>.interrupted-<time>} (kept, never deleted) and returns the new path;
     * {@code p} itself when it does not exist.
     */
    public static Path moveAside(Path p) throws IOException {
        if (!Files.exists(p)) {
            return p;
        }
        Path aside = p.resolveSibling(p.getFileName() + ".interrupted-" + System.currentTimeMillis());
        Files.move(p, aside);
        return aside;
    }

    /**
     * Removes what a kill left behind in {@code folder}: temporary folders ({@code .tmp-*}: checkpoints, an old or a
     * new final/) and the temporary files of the small files the run rewrites in place ({@code .latest.tmp-*},
     * {@code .provenance.json.tmp-*}, {@code .trainer_state.json.tmp-*}); never a complete {@code step-N},
     * {@code final/} or any other file.
     */
    private static void removeLeftovers(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(TMP_PREFIX) && Files.isDirectory(p)) {
                    AtomicFiles.deleteTree(p);
                } else if (name.matches("\\.(" + LATEST + "|provenance\\.json|trainer_state\\.json)\\.tmp-.+")
                        && Files.isRegularFile(p)) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Renames a checkpoint to a temporary name, then deletes it. */
    private void discard(Path checkpoint) throws IOException {
        Path doomed = checkpoint.resolveSibling(TMP_PREFIX + "old-" + checkpoint.getFileName());
        if (Files.exists(doomed)) {
            AtomicFiles.deleteTree(doomed);
        }
        Files.move(checkpoint, doomed, StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.deleteTree(doomed);
    }

    /**
     * provenance.json of a new run: {@link Provenance#common()} (semgrpo's version, the commit and dirty flag of its
     * build, JVM, OS), the DJL and PyTorch versions, {@code seed}, {@code device} (the model's device setting),
     * {@code command} (the command line), {@code hardware} ({@link Provenance#hardware()}), {@code started}, and
     * {@code finished}: null until the run ends ({@link #finish}). A resume appends its own start and command to
     * {@code resumes} and sets {@code finished} to null again until it ends.
     */
    private static ObjectNode provenance(long seed, String device) {
        ObjectNode o = Provenance.common();
        o.put("djl", ai.djl.engine.Engine.getDjlVersion());
        o.put("torch", Torch.engine().getVersion());
        o.put("seed", seed);
        o.put("device", device);
        Provenance.command().forEach(o.putArray("command")::add);
        o.set("hardware", Provenance.hardware());
        o.put("started", o.get("created").asText());
        o.putNull("finished");
        o.putArray("resumes");
        return o;
    }

    private static void recordResume(Path dir, long step) throws IOException {
        Path file = dir.resolve(PROVENANCE);
        if (!Files.isRegularFile(file)) {
            return; // a run written before provenance.json existed
        }
        ObjectNode o = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode r = (o.get("resumes") instanceof com.fasterxml.jackson.databind.node.ArrayNode a ? a
                : o.putArray("resumes")).addObject();
        r.put("started", java.time.Instant.now().toString());
        r.put("from_step", step);
        Provenance.command().forEach(r.putArray("command")::add);
        r.put("semgrpo_version", Provenance.version());
        r.put("semgrpo_commit", Provenance.build().commit());
        r.put("semgrpo_build_dirty", Provenance.build().dirty());
        o.putNull("finished");
        writeJson(file, o);
    }

    /**
     * Marks the run finished: the time goes to provenance.json's {@code finished}, and the last checkpoint's
     * trainer_state.json is copied to the run directory (as transformers' {@code Trainer.save_state()} does).
     */
    public void finish(Path lastCheckpoint) throws IOException {
        Path state = lastCheckpoint.resolve(TRAINER_STATE);
        if (Files.isRegularFile(state)) {
            AtomicFiles.write(dir.resolve(TRAINER_STATE), tmp -> Files.copy(state, tmp,
                    StandardCopyOption.REPLACE_EXISTING));
        }
        Path file = dir.resolve(PROVENANCE);
        if (Files.isRegularFile(file)) {
            ObjectNode o = (ObjectNode) JSON.readTree(file.toFile());
            o.put("finished", java.time.Instant.now().toString());
            writeJson(file, o);
        }
    }

    /**
     * Writes {@code final/}: the weights of {@code checkpoint} (its {@code adapter/}, PEFT format, or {@code model/},
     * HF format with the tokenizer files), the files a user loads with PEFT or transformers. The files are linked (or,
     * where links do not work, copied) into a temporary folder that is renamed into place; an earlier {@code final/}
     * (a finished run resumed for more steps) is renamed aside first and deleted after, so {@code final/} is never
     * partial: a kill leaves the old one, none, or the new one, and the next open removes the leftovers.
     *
     * @return the final folder
     */
    public Path writeFinal(Path checkpoint) throws IOException {
        Path weights = Files.isDirectory(checkpoint.resolve("adapter")) ? checkpoint.resolve("adapter")
                : checkpoint.resolve("model");
        if (!Files.isDirectory(weights)) {
            throw new IOException(checkpoint + " holds neither adapter/ nor model/; final/ was not written");
        }
        Path target = dir.resolve(FINAL);
        Path tmp = dir.resolve(TMP_PREFIX + FINAL);
        if (Files.exists(tmp)) {
            AtomicFiles.deleteTree(tmp);
        }
        try {
            Files.createDirectories(tmp);
            try (Stream<Path> s = Files.walk(weights)) {
                for (Path f : s.filter(Files::isRegularFile).toList()) {
                    Path to = tmp.resolve(weights.relativize(f).toString());
                    Files.createDirectories(to.getParent());
                    try {
                        Files.createLink(to, f); // checkpoint files are never changed in place, only deleted
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(f, to);
                    }
                }
            }
            CrashPoint.FINAL_FILES.reach(stepOf(checkpoint), tmp);
            if (Files.exists(target)) {
                discard(target);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            abandonCheckpoint(tmp, e);
            throw e;
        }
        return target;
    }

    /** {@code checkpoints/latest}: the newest complete checkpoint's name, written atomically; removed when none. */
    private void writeLatest() throws IOException {
        List<Path> cps = checkpoints(dir);
        Path file = dir.resolve("checkpoints").resolve(LATEST);
        if (cps.isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        String name = cps.get(cps.size() - 1).getFileName() + "\n";
        if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(name)) {
            return;
        }
        AtomicFiles.write(file, tmp -> Files.writeString(tmp, name, StandardCharsets.UTF_8));
    }

    /**
     * The checkpoint {@code checkpoints/latest} names, when it names a complete one; else (no pointer, or one
     * changed by hand) empty.
     */
    public static java.util.Optional<Path> latest(Path runDir) throws IOException {
        Path file = runDir.resolve("checkpoints").resolve(LATEST);
        if (!Files.isRegularFile(file)) {
            return java.util.Optional.empty();
        }
        String name = Files.readString(file, StandardCharsets.UTF_8).strip();
        Path cp = runDir.resolve("checkpoints").resolve(name);
        return name.matches("step-[0-9]{1,18}") && complete(cp) ? java.util.Optional.of(cp)
                : java.util.Optional.empty();
    }

    private static void writeJson(Path file, JsonNode o) throws IOException {
        AtomicFiles.write(file, tmp -> JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), o));
    }

    @Override
    public void close() throws IOException {
        try {
            metrics.close();
            samples.close();
            events.close();
        } finally {
            lock.close();
        }
    }
}
