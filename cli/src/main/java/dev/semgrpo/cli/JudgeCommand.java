package dev.semgrpo.cli;

import dev.semgrpo.eval.judge.JudgeConfig;
import dev.semgrpo.eval.judge.JudgeRun;
import dev.semgrpo.eval.judge.PairwiseExample;
import dev.semgrpo.eval.judge.PairwiseJudge;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.TaskSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Pairwise LLM-as-judge between two evaluation folders' outputs of one generate task. */
@Command(name = "judge", mixinStandardHelpOptions = true,
        description = {"Ask an LLM judge (OpenAI-compatible chat completions) which of two models' outputs is better "
                + "for each example of a task, in both orders. Writes <out>/judge-<task>/examples.jsonl and "
                + "summary.json (win rate of A over B, ties, position consistency) for `semgrpo report --judge`."},
        footer = {"", "Examples:",
                "  export JUDGE_API_KEY=...   # the variable named by api_key_env; never logged",
                "  semgrpo judge --config configs/judge/default.yaml --task tibetan-headline \\",
                "      --a grpo=runs/eval-grpo --b base=runs/eval-base --out runs/judge-grpo-vs-base"})
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

    @Override
    public Integer call() throws Exception {
        JudgeConfig cfg = JudgeConfig.load(config);
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
        String[] tag = {na[0], nb[0]};
        if (EvalResults.isComplete(out, name)) {
            throw new IllegalArgumentException(out.resolve(name) + " already holds a judgement; use another --out");
        }
        ProgressBar bar = new ProgressBar(name + " " + tag[0] + " vs " + tag[1], pairs.size(), "ex");
        long start = System.nanoTime();
        JudgeRun run = new PairwiseJudge(cfg, System::getenv).judge(pairs, (done, total) -> bar.update(done));
        TaskSummary s = run.summary(name, "judge", tag[0] + "=" + na[1], null, tag[1] + "=" + nb[1],
                (System.nanoTime() - start) / 1e9, ra.summary().config(), cfg);
        EvalResults.write(out, s, run.judged());
        System.out.printf(Locale.ROOT, "%s: win rate of %s over %s = %.3f (%d judged, %d invalid, consistency %.3f)%n",
                name, tag[0], tag[1], s.metrics().get(0).value(), run.judged().size(), run.invalid().size(),
                s.metric("consistency") == null ? Double.NaN : s.metric("consistency").value());
        System.out.println("wrote " + out.resolve(name));
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
