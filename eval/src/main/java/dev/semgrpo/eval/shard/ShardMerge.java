package dev.semgrpo.eval.shard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.metrics.TextMetrics;
import dev.semgrpo.eval.results.EvalInfo;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.results.TaskSummary;
import dev.semgrpo.eval.task.TaskOutcome;
import dev.semgrpo.model.io.AtomicFiles;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.Problems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Combines the N folders of one sharded evaluation ({@code semgrpo eval --shard i/N}) into the folder an unsharded
 * run writes: each task's records back in task order, every metric recomputed from them through its
 * {@link dev.semgrpo.eval.results.Aggregate} (and its signature's {@code nrefs} field over all records), notes that
 * count over examples ({@link TaskOutcome#COUNTS}: truncated prompts and contexts, tokens) summed and the other
 * notes, the same in every shard, kept. {@code examples.jsonl} and {@code summary.json} then hold the bytes of the
 * unsharded run's, except the summary's {@code seconds}: the sum of the shards' wall times.
 *
 * <p>Refused, with the folders named: a folder that is not a shard folder, shards of different N, a shard missing
 * or given twice, shards of another model, adapter, reference, dtype or engine, a task not finished in every shard,
 * and shards of a task whose config or data differ (their fingerprints) or whose parts do not cover the task exactly
 * once. The backend may differ (shards against different servers of one served model); each shard's is recorded.
 */
public final class ShardMerge {
    private ShardMerge() {
    }

    /** One finished task of one shard folder. */
    private record Part(Path folder, ShardInfo info, EvalResults.TaskResults results) {
        Path taskDir() {
            return folder.resolve(info.task());
        }
    }

    /** A shard folder as read: its eval.json and its finished tasks by name (and the names of unfinished ones). */
    private record Folder(Path dir, EvalInfo info, Map<String, Part> tasks, Set<String> unfinished) {
    }

    /** A merged task: its summary and its records in task order. */
    public record Task(TaskSummary summary, List<ExampleRecord> records) {
    }

    /** A checked merge, ready to be written: the merged folder's eval.json and tasks. */
    public record Merged(EvalInfo info, List<Task> tasks) {
        /**
         * Writes the merged folder {@code out}, which must be absent or empty: into a temporary folder renamed into
         * place when complete, so a failure leaves nothing behind.
         */
        public void write(Path out) throws IOException {
            AtomicFiles.writeFolder(out, dir -> {
                for (Task t : tasks) {
                    EvalResults.write(dir, t.summary(), t.records());
                }
                info.write(dir);
            });
        }
    }

    /** Reads and checks the shard folders and merges them in memory; nothing is written. */
    public static Merged merge(List<Path> shardDirs) throws IOException {
        if (shardDirs.isEmpty()) {
            throw new IllegalArgumentException("no shard folders to merge; pass the N folders written by "
                    + "`semgrpo eval --shard i/N`");
        }
        Problems problems = new Problems();
        List<Folder> folders = new ArrayList<>();
        for (Path dir : shardDirs) {
            Folder f = read(dir, problems);
            if (f != null) {
                folders.add(f);
            }
        }
        fail(problems);
        folders.sort(Comparator.comparingInt(f -> f.info().shard().index()));
        checkShards(folders, problems);
        fail(problems);
        checkSameRun(folders, problems);
        Set<String> names = new LinkedHashSet<>();
        for (Folder f : folders) {
            f.info().tasks().stream().filter(f.tasks()::containsKey).forEach(names::add);
        }
        for (Folder f : folders) {
            names.addAll(new java.util.TreeSet<>(f.tasks().keySet()));
        }
        for (String name : names) {
            for (Folder f : folders) {
                if (!f.tasks().containsKey(name)) {
                    problems.add("task '" + name + "' is not finished in " + f.dir() + " (shard " + f.info().shard()
                            + (f.unfinished().contains(name) ? ": it started but wrote no summary.json"
                                    : ": it has no such task folder") + "); run that shard's job again (it resumes)"
                            + " and merge once every shard has finished");
                }
            }
        }
        fail(problems);
        List<Task> tasks = new ArrayList<>();
        for (String name : names) {
            Task t = mergeTask(name, folders.stream().map(f -> f.tasks().get(name)).toList(), problems);
            if (t != null) {
                tasks.add(t);
            }
        }
        fail(problems);
        return new Merged(mergedInfo(folders, List.copyOf(names)), tasks);
    }

    private static void fail(Problems problems) {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.describe("problem merging shard folders",
                    "problems merging shard folders",
                    "merge the N folders of one `semgrpo eval --shard i/N` run, each finished; nothing was written"));
        }
    }

    /** A shard folder and its finished tasks; null (with the problem recorded) when it is not one. */
    private static Folder read(Path dir, Problems problems) throws IOException {
        if (!Files.isDirectory(dir)) {
            problems.add(dir + ": no such folder");
            return null;
        }
        EvalInfo info = EvalInfo.read(dir);
        if (info == null) {
            problems.add(dir + ": no " + EvalInfo.FILE + ", so not an evaluation folder; pass the --out folders of "
                    + "`semgrpo eval --shard i/N`");
            return null;
        }
        if (info.shard() == null) {
            problems.add(dir + " is not a shard folder: its " + EvalInfo.FILE + " records no shard ("
                    + (info.mergedFrom() != null ? "it is a merged folder already"
                            : "it was written by `semgrpo eval` without --shard") + ")");
            return null;
        }
        Map<String, Part> tasks = new TreeMap<>();
        Set<String> unfinished = new LinkedHashSet<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(dir)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path d : dirs) {
            String name = d.getFileName().toString();
            boolean done = Files.isRegularFile(d.resolve(EvalResults.SUMMARY));
            ShardInfo si = ShardInfo.read(d);
            if (!done) {
                if (si != null || Files.exists(d.resolve(EvalResults.EXAMPLES))) {
                    unfinished.add(name);
                }
                continue;
            }
            if (si == null) {
                problems.add(d + " has a summary but no " + ShardInfo.FILE + "; it was not written by `semgrpo eval "
                        + "--shard " + info.shard() + "`: evaluate the task again into this folder with --shard");
                continue;
            }
            if (!si.task().equals(name) || !si.shard().equals(info.shard())) {
                problems.add(d.resolve(ShardInfo.FILE) + " describes task '" + si.task() + "', shard " + si.shard()
                        + ", but lies in the folder of task '" + name + "' of shard " + info.shard() + " ("
                        + dir.resolve(EvalInfo.FILE) + "); the folder was copied together from different runs");
                continue;
            }
            tasks.put(name, new Part(dir, si, EvalResults.readTask(d)));
        }
        return new Folder(dir, info, tasks, unfinished);
    }

    /** One N for all, and each of the N shards exactly once. */
    private static void checkShards(List<Folder> folders, Problems problems) {
        Map<Integer, List<Path>> byCount = new TreeMap<>();
        for (Folder f : folders) {
            byCount.computeIfAbsent(f.info().shard().count(), k -> new ArrayList<>()).add(f.dir());
        }
        if (byCount.size() > 1) {
            StringBuilder sb = new StringBuilder("the folders are shards of different splits:");
            byCount.forEach((n, dirs) -> sb.append(" N=").append(n).append(": ").append(dirs).append(';'));
            problems.add(sb.append(" all must come from one `--shard i/N` job array with the same N").toString());
            return;
        }
        int n = byCount.keySet().iterator().next();
        Map<Integer, List<Path>> byIndex = new TreeMap<>();
        for (Folder f : folders) {
            byIndex.computeIfAbsent(f.info().shard().index(), k -> new ArrayList<>()).add(f.dir());
        }
        byIndex.forEach((i, dirs) -> {
            if (dirs.size() > 1) {
                problems.add("shard " + i + "/" + n + " is given " + dirs.size() + " times: " + dirs + "; pass each "
                        + "shard's folder once");
            }
        });
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!byIndex.containsKey(i)) {
                missing.add(i + "/" + n);
            }
        }
        if (!missing.isEmpty()) {
            problems.add(Plural.noun(missing.size(), "shard ", "shards ") + missing + " missing: got "
                    + Plural.of(folders.size(), "folder") + " ("
                    + String.join(", ", folders.stream().map(f -> f.dir() + " = " + f.info().shard()).toList())
                    + ") of " + n + "; pass the --out folder of every shard");
        }
    }

    /** The shards evaluated the same thing in the same way. */
    private static void checkSameRun(List<Folder> folders, Problems problems) {
        Folder first = folders.get(0);
        Map<String, Function<EvalInfo, String>> fields = new java.util.LinkedHashMap<>();
        fields.put("model", EvalInfo::model);
        fields.put("adapter", EvalInfo::adapter);
        fields.put("reference_model", EvalInfo::referenceModel);
        fields.put("dtype", EvalInfo::dtype);
        fields.put("engine", EvalInfo::engine);
        for (Folder f : folders.subList(1, folders.size())) {
            fields.forEach((name, get) -> {
                if (!Objects.equals(get.apply(first.info()), get.apply(f.info()))) {
                    problems.add(name + " differs: " + get.apply(f.info()) + " in " + f.dir().resolve(EvalInfo.FILE)
                            + ", " + get.apply(first.info()) + " in " + first.dir().resolve(EvalInfo.FILE)
                            + "; the shards of one evaluation share model, adapter, reference, dtype and engine");
                }
            });
        }
    }

    /** One task's parts (in shard order) merged; null with the problems recorded when they do not fit. */
    private static Task mergeTask(String name, List<Part> parts, Problems problems) {
        Part first = parts.get(0);
        String where = "task '" + name + "': ";
        int before = (int) problems.count();
        for (Part p : parts.subList(1, parts.size())) {
            ShardInfo a = first.info();
            ShardInfo b = p.info();
            if (!a.fingerprint().equals(b.fingerprint()) || a.examplesTotal() != b.examplesTotal()) {
                problems.add(where + p.taskDir() + " evaluated another task definition or data than "
                        + first.taskDir() + " (" + Plural.of(b.examplesTotal(), "example") + ", " + b.fingerprint()
                        + " vs "
                        + a.examplesTotal() + ", " + a.fingerprint() + "); run every shard with the same task file "
                        + "and data");
            }
        }
        for (Part p : parts) {
            if (p.results().examples().size() != p.info().examples()) {
                problems.add(where + p.taskDir().resolve(EvalResults.EXAMPLES) + " has "
                        + Plural.of(p.results().examples().size(), "record") + ", its " + ShardInfo.FILE
                        + " lists blocks of " + Plural.of(p.info().examples(), "example")
                        + "; evaluate the task again with --overwrite");
            }
        }
        if (problems.count() > before) {
            return null;
        }
        int total = first.info().examplesTotal();
        ExampleRecord[] records = new ExampleRecord[total];
        Path[] from = new Path[total];
        for (Part p : parts) {
            int k = 0;
            for (Block b : p.info().blocks()) {
                for (int i = b.from(); i < b.to(); i++) {
                    if (i >= total) {
                        problems.add(where + p.taskDir().resolve(ShardInfo.FILE) + " lists example " + i + ", past "
                                + "the task's " + total + " examples");
                        return null;
                    }
                    if (from[i] != null) {
                        problems.add(where + "example " + i + " is in both " + from[i] + " and " + p.taskDir());
                        return null;
                    }
                    from[i] = p.taskDir();
                    records[i] = p.results().examples().get(k++);
                }
            }
        }
        for (int i = 0; i < total; i++) {
            if (from[i] == null) {
                int j = i;
                while (j < total && from[j] == null) {
                    j++;
                }
                problems.add(where + "examples " + i + ".." + (j - 1) + " are in no shard folder");
                return null;
            }
        }
        List<ExampleRecord> all = Arrays.asList(records);
        TaskSummary s0 = first.results().summary();
        List<MetricResult> metrics = new ArrayList<>();
        for (int m = 0; m < s0.metrics().size(); m++) {
            MetricResult r = s0.metrics().get(m);
            String signature = TextMetrics.resign(r.signature(), all);
            for (Part p : parts) {
                List<MetricResult> theirs = p.results().summary().metrics();
                MetricResult o = m < theirs.size() ? theirs.get(m) : null;
                if (o == null || theirs.size() != s0.metrics().size() || !o.name().equals(r.name())
                        || !o.aggregate().equals(r.aggregate()) || o.higherIsBetter() != r.higherIsBetter()
                        || !Objects.equals(TextMetrics.resign(o.signature(), all), signature)) {
                    problems.add(where + "the metrics of " + p.taskDir() + " differ from those of "
                            + first.taskDir() + " (" + (o == null ? "no metric " + (m + 1) : o.name() + " "
                                    + o.aggregate() + " " + o.signature()) + " vs " + r.name() + " " + r.aggregate()
                            + " " + r.signature() + ")");
                    return null;
                }
            }
            double value = all.isEmpty() ? Double.NaN : r.aggregate().compute(all);
            metrics.add(new MetricResult(r.name(), value, r.aggregate(), r.higherIsBetter(), signature));
        }
        ObjectNode config = mergedConfig(where, parts, problems);
        if (config == null) {
            return null;
        }
        for (Part p : parts) {
            TaskSummary s = p.results().summary();
            if (!Objects.equals(s.type(), s0.type()) || !Objects.equals(s.category(), s0.category())
                    || !Objects.equals(s.model(), s0.model()) || !Objects.equals(s.adapter(), s0.adapter())
                    || !Objects.equals(s.reference(), s0.reference())) {
                problems.add(where + p.taskDir().resolve(EvalResults.SUMMARY) + " differs from "
                        + first.taskDir().resolve(EvalResults.SUMMARY) + " in type, category, model, adapter or "
                        + "reference");
                return null;
            }
        }
        double seconds = parts.stream().mapToDouble(p -> p.results().summary().seconds()).sum();
        return new Task(new TaskSummary(s0.task(), s0.type(), s0.category(), total, s0.model(), s0.adapter(),
                s0.reference(), metrics, seconds, config), all);
    }

    /** The task config with count notes summed; every other key must agree across the parts. */
    private static ObjectNode mergedConfig(String where, List<Part> parts, Problems problems) {
        Part first = parts.get(0);
        JsonNode c0 = first.results().summary().config();
        if (!(c0 instanceof ObjectNode)) {
            problems.add(where + first.taskDir().resolve(EvalResults.SUMMARY) + " has no config object");
            return null;
        }
        ObjectNode merged = ((ObjectNode) c0).deepCopy();
        ObjectNode notes = merged.get("notes") instanceof ObjectNode n ? n : null;
        ObjectNode bare = withoutCounts(merged);
        for (Part p : parts.subList(1, parts.size())) {
            JsonNode c = p.results().summary().config();
            if (!(c instanceof ObjectNode o) || !withoutCounts(o).equals(bare)) {
                problems.add(where + "the config or notes in " + p.taskDir().resolve(EvalResults.SUMMARY)
                        + " differ from " + first.taskDir().resolve(EvalResults.SUMMARY) + " beyond the counts "
                        + TaskOutcome.COUNTS + " (e.g. max_length or the KL reference); run every shard with the "
                        + "same settings");
                return null;
            }
        }
        if (notes != null) {
            for (String key : TaskOutcome.COUNTS) {
                if (notes.has(key)) {
                    long sum = 0;
                    for (Part p : parts) {
                        sum += p.results().summary().config().get("notes").get(key).asLong();
                    }
                    notes.put(key, sum);
                }
            }
        }
        return merged;
    }

    private static ObjectNode withoutCounts(ObjectNode config) {
        ObjectNode c = config.deepCopy();
        if (c.get("notes") instanceof ObjectNode n) {
            for (String key : TaskOutcome.COUNTS) {
                if (n.has(key)) {
                    n.put(key, 0L);
                }
            }
        }
        return c;
    }

    /** The merged folder's eval.json: the shards' common fields, the tasks, and where each shard ran. */
    private static EvalInfo mergedInfo(List<Folder> folders, List<String> tasks) {
        EvalInfo i0 = folders.get(0).info();
        Set<String> devices = new LinkedHashSet<>();
        Set<String> backends = new LinkedHashSet<>();
        String started = i0.started();
        List<EvalInfo.MergedShard> from = new ArrayList<>();
        for (Folder f : folders) {
            devices.add(f.info().device());
            if (f.info().backend() != null) {
                backends.add(f.info().backend());
            }
            started = earlier(started, f.info().started());
            from.add(new EvalInfo.MergedShard(f.dir().toString(), f.info().shard(), f.info().device(),
                    f.info().backend(), f.info().started()));
        }
        return new EvalInfo(i0.model(), i0.adapter(), i0.referenceModel(), String.join(", ", devices), i0.dtype(),
                tasks, started, i0.java(), i0.engine(), backends.isEmpty() ? null : String.join("; ", backends), null,
                from);
    }

    private static String earlier(String a, String b) {
        try {
            return Instant.parse(b).isBefore(Instant.parse(a)) ? b : a;
        } catch (DateTimeParseException | NullPointerException e) {
            return a;
        }
    }
}
