package dev.semgrpo.cli;

import dev.semgrpo.eval.judge.JudgeConfig;
import dev.semgrpo.eval.judge.JudgeFolder;
import dev.semgrpo.eval.judge.PairwiseExample;
import dev.semgrpo.eval.judge.PairwiseJudge;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import dev.semgrpo.eval.results.TaskSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Pairwise LLM-as-judge between two evaluation folders' outputs of one generate task. */
@Command(name = "judge", mixinStandardHelpOptions = true,
        description = {"Ask an LLM judge (OpenAI-compatible chat completions) which of two models' outputs is better "
                + "for each example of a task, in both orders. Writes <out>/judge-<task>/examples.jsonl, "
                + "summary.json (win rate of A over B, ties, position consistency) for `semgrpo report --judge`, and "
                + "provenance.json. Fails (exit 1, no summary) when no example, or more than "
                + "--max-invalid-fraction of them, could be judged; run the same command again to finish."},
        footer = {"", "Examples:",
                "  export JUDGE_API_KEY=...   # the variable named by api_key_env; never logged",
                "  semgrpo judge --config configs/judge/default.yaml --task tibetan-headline \\",
                "      --a grpo=runs/eval-grpo --b base=runs/eval-base \\",
                "      --out runs/judge-grpo-vs-base"})
final class JudgeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "judge YAML (endpoint, model, api_key_env, prompts)")
    Path config;

    @Option(names = "--task", required = true, description = "the task both evaluation folders ran")
    String task;

    @Option(names = "--a", required = true, description = "NAME=DIR: the evaluation folder judged (model A)")
    String a;

    @Option(names = "--b", required = true, description = "NAME=DIR: the evaluation folder compared against (B)")
    String b;

    @Option(names = "--out", required = true, description = "output folder (gets judge-<task>/)")
    Path out;

    @Option(names = "--limit", description = "judge at most N examples")
    Integer limit;

    @Option(names = "--max-invalid-fraction", defaultValue = "0", paramLabel = "F",
            description = "accept a result although this share (0..1) of the examples could not be judged; "
                    + "default ${DEFAULT-VALUE}: any example not judged fails the run (its verdicts are kept and a "
                    + "rerun asks only for the rest)")
    double maxInvalidFraction;

    /** Where the API key's variable is looked up; tests give their own. */
    static Function<String, String> environment = System::getenv;

    @Override
    public Integer call() throws Exception {
        JudgeConfig cfg = JudgeConfig.load(config);
        JudgeFolder.checkFraction(maxInvalidFraction);
        String[] na = ReportCommand.named(a, "--a");
        String[] nb = ReportCommand.named(b, "--b");
        EvalResults.TaskResults ra = EvalResults.readTask(Path.of(na[1]).resolve(task));
        EvalResults.TaskResults rb = EvalResults.readTask(Path.of(nb[1]).resolve(task));
        if (!"generate".equals(ra.summary().type()) && !"extractive_qa".equals(ra.summary().type())) {
            throw new IllegalArgumentException("task '" + task + "' is a " + ra.summary().type() + " task; the judge "
                    + "compares generated outputs (generate or extractive_qa tasks)");
        }
        List<PairwiseExample> pairs = new ArrayList<>();
        for (PairwiseExample p : PairwiseExample.pair(questions(ra.examples()), rb.examples())) {
            pairs.add(p);
            if (limit != null && pairs.size() >= limit) {
                break;
            }
        }
        String name = "judge-" + task;
        PairwiseJudge judge = new PairwiseJudge(cfg, environment);
        ProgressBar bar = new ProgressBar(name + " " + na[0] + " vs " + nb[0], pairs.size(), "ex");
        JudgeFolder.Result r = new JudgeFolder(out, name).judge(judge, pairs, na[0] + "=" + na[1],
                nb[0] + "=" + nb[1], ra.summary().config(), maxInvalidFraction,
                note -> System.err.println("note: " + note),
                (done, asked) -> bar.update(done + pairs.size() - asked)); // a failed run throws: exit 1
        TaskSummary s = r.summary();
        MetricResult consistency = s.metric("consistency");
        System.out.printf(Locale.ROOT, "%s: win rate of %s over %s = %.3f (%d judged, %d invalid, consistency %.3f)%n",
                name, na[0], nb[0], s.metrics().get(0).value(), s.examples(),
                s.config().path("counts").path("invalid").asInt(),
                consistency == null ? Double.NaN : consistency.value());
        System.out.println(r.message());
        return 0;
    }

    /** The judge sees the plain prompt (before the chat template) when the evaluation kept it. */
    private static List<ExampleRecord> questions(List<ExampleRecord> records) {
        List<ExampleRecord> out = new ArrayList<>();
        for (ExampleRecord r : records) {
            String q = r.extra() != null && r.extra().hasNonNull("prompt") ? r.extra().get("prompt").asText()
                    : r.input();
            out.add(new ExampleRecord(r.id(), q, r.output(), r.references(), r.scores(), r.stats(), r.tokens(),
                    r.extra()));
        }
        return out;
    }
}
