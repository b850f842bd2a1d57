package dev.semgrpo.cli;

import dev.semgrpo.eval.shard.ShardMerge;
import dev.semgrpo.model.io.Plural;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Combines the shard folders of one sharded evaluation into one evaluation folder. */
@Command(name = "merge-shards", mixinStandardHelpOptions = true,
        description = {"Merge the N folders of `semgrpo eval --shard i/N` into the folder one unsharded run writes: "
                + "each task's examples back in order, every metric recomputed from them, counts in the notes "
                + "summed. examples.jsonl and summary.json are those of the unsharded run, except the summary's "
                + "seconds (the sum of the shards' wall times). Refuses folders of different runs, tasks or data, a "
                + "missing or repeated shard, and an unfinished task, naming the folders; writes nothing then."},
        footer = {"", "Examples:",
                "  semgrpo merge-shards --out runs/eval-base runs/eval-base.shard-0 \\",
                "      runs/eval-base.shard-1 runs/eval-base.shard-2 runs/eval-base.shard-3",
                "  semgrpo report --base runs/eval-base --compare grpo=runs/eval-grpo \\",
                "      --out report/"})
final class MergeShardsCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "the merged evaluation folder (must be new or empty)")
    Path out;

    @Parameters(paramLabel = "SHARD_DIR", arity = "1..*", description = "the --out folders of the N shards, in any "
            + "order")
    List<Path> shards;

    @Override
    public Integer call() throws Exception {
        OutputPaths.requireNewOrEmpty(out, "--out");
        ShardMerge.Merged merged = ShardMerge.merge(shards);
        merged.write(out);
        for (ShardMerge.Task t : merged.tasks()) {
            System.out.println(String.format(Locale.ROOT, "%-24s n=%d", t.summary().task(), t.summary().examples())
                    + t.summary().metrics().stream().map(m -> String.format(Locale.ROOT, "  %s=%.4f", m.name(),
                            m.value())).reduce("", String::concat));
        }
        System.out.println("merged " + Plural.of(shards.size(), "shard") + " into " + out
                + "; build a report with `semgrpo report"
                + " --base <eval folder> --compare name=" + out + " --out <report folder>`");
        return 0;
    }
}
