/**
 * Pairwise LLM-as-judge: {@link dev.semgrpo.eval.judge.PairwiseJudge} asks an OpenAI-compatible chat completions
 * endpoint ({@link dev.semgrpo.eval.judge.ChatClient}) which of two answers to the same question is better, in both
 * orders to cancel position bias (MT-Bench's pairwise comparison with a reference answer), and turns the verdicts
 * into per-example records and a win rate of model A over model B ({@link dev.semgrpo.eval.judge.JudgeRun}).
 * {@link dev.semgrpo.eval.judge.JudgeConfig} names the endpoint, the prompts and the retry budgets; the API key is
 * read from an environment variable and masked by {@link dev.semgrpo.model.io.SecretRedactor} in every encoding
 * before anything is written or printed. {@link dev.semgrpo.eval.judge.JudgeFolder} fails closed: a run that judged
 * nothing writes nothing, one that judged too little keeps its verdicts for the next run but writes no summary.
 */
package dev.semgrpo.eval.judge;
