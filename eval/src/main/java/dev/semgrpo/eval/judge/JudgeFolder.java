package dev.semgrpo.eval.judge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.TaskSummary;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.SecretRedactor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A judge run's folder, {@code <out>/judge-<task>/}, and what a run may leave in it. It fails closed:
 * <ul>
 *   <li>every example judged, or the share not judged at most {@code max_invalid_fraction}: {@code provenance.json},
 *       {@code examples.jsonl} and {@code summary.json} (written last; its {@code config.status} is "complete" or
 *       "partial", with the counts), the result that {@code semgrpo report --judge} reads;
 *   <li>some examples judged, but more than that share not: {@code provenance.json} and
 *       {@value #PARTIAL} (the verdicts so far), no summary; a rerun with the same judge config asks only for the
 *       examples not judged yet;
 *   <li>nothing judged: nothing is written.
 * </ul>
 * The last two end in a {@link JudgeFailedException}. A folder with a summary is finished: a rerun with the same
 * inputs does nothing, one with other inputs is refused. Everything written passes through a {@link SecretRedactor}.
 */
public final class JudgeFolder {
    /** The verdicts of a run that could not judge enough examples, kept for the next run. */
    public static final String PARTIAL = "examples.partial.jsonl";
    /** Where the run's provenance goes. */
    public static final String PROVENANCE = "provenance.json";

    private final Path out;
    private final String name;
    private final Path dir;

    /** The folder {@code out/name}. */
    public JudgeFolder(Path out, String name) {
        this.out = out;
        this.name = name;
        this.dir = out.resolve(name);
    }

    /**
     * What a judge run into this folder gave.
     *
     * @param summary the result's summary (the one found when the folder was already finished)
     * @param run the run, or null when the folder already held the finished result and nothing was asked
     * @param message a line for the user: what was written, or that nothing was to do
     */
    public record Result(TaskSummary summary, JudgeRun run, String message) {
    }

    /**
     * Judges {@code pairs} into this folder: nothing to do when it already holds their finished judgement (see
     * {@link #finished}); otherwise reuses the verdicts an earlier run kept ({@link #earlier}), asks for the rest,
     * and writes what the outcome allows ({@link #finish}).
     *
     * @param modelA model A as {@code NAME=DIR}; {@code modelB} likewise
     * @param taskConfig the evaluated task's config, kept in the summary; may be null
     * @param notes told about kept verdicts that cannot be reused
     * @param progress as in {@link PairwiseJudge#judge(List, List, BiConsumer)}; may be null
     * @throws JudgeFailedException when the run does not count as a result (nothing or too little judged)
     */
    public Result judge(PairwiseJudge judge, List<PairwiseExample> pairs, String modelA, String modelB,
            JsonNode taskConfig, double maxInvalidFraction, Consumer<String> notes,
            BiConsumer<Integer, Integer> progress) throws IOException, InterruptedException, JudgeFailedException {
        checkFraction(maxInvalidFraction);
        JudgeConfig config = judge.config();
        Optional<TaskSummary> done = finished(modelA, modelB, config, pairs.size());
        if (done.isPresent()) {
            return new Result(done.get(), null, name + ": already judged in " + dir + "; nothing to do");
        }
        Earlier kept = earlier(config);
        if (kept.note() != null) {
            notes.accept(kept.note());
        }
        long start = System.nanoTime();
        JudgeRun run = judge.judge(pairs, kept.records(), progress);
        TaskSummary summary = run.summary(name, "judge", modelA, null, modelB, (System.nanoTime() - start) / 1e9,
                taskConfig, config);
        ObjectNode provenance = JudgeProvenance.of(config, name, modelA, modelB, pairs.size(), maxInvalidFraction);
        String message = finish(run, summary, provenance, maxInvalidFraction, judge.redactor());
        return new Result(summary, run, message);
    }

    /** What an earlier, unfinished run left to reuse, and a note for the user when it left something unusable. */
    public record Earlier(List<ExampleRecord> records, String note) {
        public Earlier {
            records = List.copyOf(records);
        }
    }

    /**
     * The finished result in this folder when it judged the same inputs (models, {@link JudgeProvenance#configHash},
     * number of examples); empty when the folder holds no finished result.
     *
     * @throws IllegalArgumentException when it holds a finished result of other inputs
     */
    public Optional<TaskSummary> finished(String modelA, String modelB, JudgeConfig config, int examples)
            throws IOException {
        if (!EvalResults.isComplete(out, name)) {
            return Optional.empty();
        }
        TaskSummary s = EvalResults.readTask(dir).summary();
        List<String> differs = new ArrayList<>();
        if (!modelA.equals(s.model())) {
            differs.add("--a (" + s.model() + " there)");
        }
        if (!modelB.equals(s.reference())) {
            differs.add("--b (" + s.reference() + " there)");
        }
        if (!JudgeProvenance.configHash(config).equals(judgeHash(s))) {
            differs.add("the judge model, prompts or sampling");
        }
        if (s.config() == null || s.config().path("counts").path("examples").asInt(-1) != examples) {
            differs.add("the number of examples (" + (s.config() == null ? "?"
                    : s.config().path("counts").path("examples").asText()) + " there, " + examples + " now)");
        }
        if (!differs.isEmpty()) {
            throw new IllegalArgumentException(dir + " already holds a finished judgement of other inputs (differs: "
                    + String.join(", ", differs) + "); nothing was changed: use another --out, or delete " + dir
                    + " to judge again");
        }
        return Optional.of(s);
    }

    /** The {@link JudgeProvenance#configHash} of the judge config a summary records, or null when it records none. */
    private String judgeHash(TaskSummary s) {
        if (s.config() == null || !s.config().path("judge").isObject()) {
            return null;
        }
        try {
            return JudgeProvenance.configHash(JudgeConfig.from(s.config().get("judge"), dir.resolve(
                    EvalResults.SUMMARY).toString()));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The verdicts that an earlier run into this folder kept in {@value #PARTIAL}, when it used the same judge
     * judge model, prompts and sampling ({@link JudgeProvenance#configHash}); none, with a note, when they changed.
     *
     * @throws IOException when the kept file cannot be read (the message names it and says to delete it)
     */
    public Earlier earlier(JudgeConfig config) throws IOException {
        Path partial = dir.resolve(PARTIAL);
        if (!Files.isRegularFile(partial)) {
            return new Earlier(List.of(), null);
        }
        String hash = null;
        Path prov = dir.resolve(PROVENANCE);
        if (Files.isRegularFile(prov)) {
            try {
                hash = EvalResults.JSON.readTree(prov.toFile()).path("judge_config_sha256").asText(null);
            } catch (JsonProcessingException e) {
                hash = null;
            }
        }
        if (!JudgeProvenance.configHash(config).equals(hash)) {
            return new Earlier(List.of(), "the verdicts kept in " + partial + " came from another judge model, prompts "
                    + "or sampling settings; judging every example again (the file is replaced when this run ends)");
        }
        List<ExampleRecord> records = new ArrayList<>();
        try {
            for (Jsonl.Line line : Jsonl.read(partial)) {
                records.add(EvalResults.JSON.treeToValue(line.node(), ExampleRecord.class));
            }
        } catch (IOException | IllegalArgumentException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new IOException(partial + ": the verdicts kept by an earlier run cannot be read (" + why + "); "
                    + "delete the file to judge every example again", e);
        }
        return new Earlier(records, null);
    }

    /**
     * Writes what {@code run} may leave (see the class comment) and returns a line for the user, or throws when the
     * run does not count as a result.
     *
     * @param summary the summary of a result ({@link JudgeRun#summary}); written only when the run counts
     * @param provenance {@link JudgeProvenance#of}
     * @param maxInvalidFraction the accepted share of examples not judged, in [0, 1]
     * @param redactor masks the API key in everything written and in the messages
     * @throws JudgeFailedException when nothing was judged, or more than {@code maxInvalidFraction} was not
     */
    public String finish(JudgeRun run, TaskSummary summary, ObjectNode provenance, double maxInvalidFraction,
            SecretRedactor redactor) throws IOException, JudgeFailedException {
        checkFraction(maxInvalidFraction);
        List<ExampleRecord> judged = run.judged().stream().map(r -> redact(r, redactor)).toList();
        if (judged.isEmpty()) {
            throw new JudgeFailedException(redactor.redact(name + ": no example could be judged: " + run.failures(3)
                    + ". Nothing was written to " + dir + "; " + hint(run) + ", then run the same command again"));
        }
        double share = run.invalidFraction();
        if (share > maxInvalidFraction) {
            Files.createDirectories(dir);
            writeJson(dir.resolve(PROVENANCE), redactor.redact(provenance));
            Jsonl.write(dir.resolve(PARTIAL), judged.stream().map(r -> (JsonNode) EvalResults.JSON.valueToTree(r))
                    .toList());
            throw new JudgeFailedException(redactor.redact(String.format(Locale.ROOT, "%s: %s; that is %.1f%% of "
                    + "the examples, more than --max-invalid-fraction %s allows. No result was written: the verdicts "
                    + "so far (%s) are kept in %s, and running the same command again asks only for the "
                    + "rest (%s); or pass --max-invalid-fraction %s to accept a result without them",
                    name, run.failures(3), 100 * share, fraction(maxInvalidFraction),
                    Plural.of(judged.size(), "verdict"),
                    dir.resolve(PARTIAL), hint(run), fraction(Math.ceil(share * 1000) / 1000))));
        }
        Files.createDirectories(dir);
        writeJson(dir.resolve(PROVENANCE), redactor.redact(provenance));
        TaskSummary safe = new TaskSummary(summary.task(), summary.type(), summary.category(), summary.examples(),
                redactor.redact(summary.model()), summary.adapter(), redactor.redact(summary.reference()),
                summary.metrics(), summary.seconds(), redactor.redact(summary.config()));
        EvalResults.write(out, safe, judged, false);
        Files.deleteIfExists(dir.resolve(PARTIAL));
        String reused = run.reused() == 0 ? "" : " (" + Plural.of(run.reused(), "verdict")
                + " kept from an earlier run)";
        if (run.invalid().isEmpty()) {
            return "wrote " + dir + reused;
        }
        return redactor.redact("wrote " + dir + reused + ", a partial result (summary.json: status partial): "
                + run.failures(1) + "; accepted by --max-invalid-fraction " + fraction(maxInvalidFraction));
    }

    /** Rejects an accepted share of invalid examples outside [0, 1]. */
    public static void checkFraction(double maxInvalidFraction) {
        if (!(maxInvalidFraction >= 0 && maxInvalidFraction <= 1)) {
            throw new IllegalArgumentException("--max-invalid-fraction must be a share in [0, 1] (e.g. 0.02 for 2%), "
                    + "found " + maxInvalidFraction);
        }
    }

    private static ExampleRecord redact(ExampleRecord r, SecretRedactor redactor) {
        return new ExampleRecord(redactor.redact(r.id()), redactor.redact(r.input()), redactor.redact(r.output()),
                r.references().stream().map(redactor::redact).toList(), r.scores(), r.stats(), r.tokens(),
                redactor.redact(r.extra()));
    }

    /** What to check, by the most frequent cause of the failed orders. */
    private static String hint(JudgeRun run) {
        String cause = run.mainCause();
        if (cause.equals("HTTP 401") || cause.equals("HTTP 403")) {
            return "check the key in the environment variable that api_key_env names";
        }
        if (cause.equals("HTTP 404")) {
            return "check base_url (the API root, e.g. http://host:8000/v1) and the judge model's name";
        }
        if (cause.equals("transport error")) {
            return "check that the server at base_url is running and reachable, or raise timeout_seconds";
        }
        if (cause.startsWith("HTTP ")) {
            return "the server failed after every retry: try again later or raise max_retries";
        }
        return "the judge's replies had no verdict: check verdict_pattern and the prompts, or raise "
                + "max_invalid_retries";
    }

    private static String fraction(double f) {
        return String.format(Locale.ROOT, "%.3f", f).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    /** Pretty JSON to a temporary file beside {@code file}, then renamed over it; no temporary file is left. */
    private static void writeJson(Path file, JsonNode node) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            EvalResults.JSON.writeValue(tmp.toFile(), node);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
