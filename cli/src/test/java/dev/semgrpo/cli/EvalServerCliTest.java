package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.eval.results.EvalInfo;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.model.remote.OpenAiBackend;
import dev.semgrpo.serve.Server;
import dev.semgrpo.serve.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * eval --backend openai against semgrpo serve over the same model on loopback: the same records as the local engine,
 * the served name and the backend recorded, perplexity refused before any request, and the flags checked.
 */
class EvalServerCliTest {
    @TempDir
    Path dir;

    @Test
    void aServerEvaluationGivesTheLocalRecords() throws Exception {
        Path model = CliRuns.initModel(dir, "model", "qwen3", 2, 5);
        Path tasks = dir.resolve("tasks");
        Files.createDirectories(tasks);
        Files.write(tasks.resolve("mt.jsonl"), List.of(
                "{\"id\": \"s1\", \"source\": \"hello\", \"target\": \"hallo\"}",
                "{\"id\": \"s2\", \"source\": \"good night\", \"target\": \"gute Nacht\"}"));
        Files.writeString(tasks.resolve("mt.yaml"), "type: generate\ndata: {path: mt.jsonl}\n"
                + "prompt: {template: \"Translate: {source}\", chat: true}\n"
                + "generation: {max_new_tokens: 6, batch_size: 1, stop: [\"x\"]}\nmetrics: [chrf, bleu]\n");
        Files.write(tasks.resolve("mc.jsonl"), List.of(
                "{\"id\": \"q1\", \"question\": \"2+2?\", \"choices\": [\"4\", \"5\"], \"label\": 0}",
                "{\"id\": \"q2\", \"question\": \"Sky?\", \"choices\": [\"green\", \"blue\", \"red\"], \"label\": 1}"));
        Files.writeString(tasks.resolve("mc.yaml"), "type: multiple_choice\ndata: {path: mc.jsonl}\n"
                + "multiple_choice: {batch_size: 1}\n");
        Files.write(tasks.resolve("ood.jsonl"), List.of("{\"text\": \"Some text.\"}"));
        Files.writeString(tasks.resolve("ood.yaml"), "type: perplexity\ndata: {path: ood.jsonl}\n");
        Path local = dir.resolve("local");
        CliRuns.succeeding("eval", "--model", model.toString(), "--tasks", "mt,mc", "--tasks-dir", tasks.toString(),
                "--out", local.toString());
        Path out = dir.resolve("remote");
        // refused before any request: nothing listens at this URL, and the message is about the task
        String ppl = CliRuns.failing("eval", "--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "--model",
                "tiny", "--tokenizer", model.toString(), "--tasks-dir", tasks.toString(), "--tasks", "mt,ood", "--out",
                out.toString());
        assertTrue(ppl.contains("task 'ood' is a perplexity task") && ppl.contains("--backend local"), ppl);
        assertFalse(Files.exists(out));
        try (Server server = Server.start(ServerOptions.builder().setModel(model).optServedModelName("tiny")
                .optPort(0).optStopAfterSeconds(180).build())) {
            String url = server.baseUrl() + "/v1";
            String[] remote = {"eval", "--backend", "openai", "--base-url", url, "--model", "tiny",
                "--tokenizer", model.toString(), "--tasks-dir", tasks.toString(), "--max-concurrency", "2",
                "--timeout", "60"};
            CliRuns.succeeding(concat(remote, "--tasks", "mt,mc", "--out", out.toString()));
            List<ExampleRecord> mtLocal = EvalResults.readTask(local.resolve("mt")).examples();
            var mtRemote = EvalResults.readTask(out.resolve("mt"));
            assertEquals(EvalResults.JSON.writeValueAsString(mtLocal),
                    EvalResults.JSON.writeValueAsString(mtRemote.examples()), "greedy outputs as the local engine's");
            assertEquals("tiny", mtRemote.summary().model());
            List<ExampleRecord> mcLocal = EvalResults.readTask(local.resolve("mc")).examples();
            List<ExampleRecord> mcRemote = EvalResults.readTask(out.resolve("mc")).examples();
            for (int i = 0; i < mcLocal.size(); i++) {
                assertEquals(mcLocal.get(i).output(), mcRemote.get(i).output());
                var a = mcLocal.get(i).extra().get("loglikelihoods");
                var b = mcRemote.get(i).extra().get("loglikelihoods");
                for (int c = 0; c < a.size(); c++) {
                    // the server's per-token log-probs summed in double, the engine's in float
                    assertEquals(a.get(c).asDouble(), b.get(c).asDouble(), 1e-4, "q" + (i + 1) + " choice " + c);
                }
            }
            EvalInfo info = EvalInfo.read(out);
            assertEquals("OpenAI-compatible server " + url + " (model tiny)", info.backend());
            assertEquals("local engine (" + model + ")", EvalInfo.read(local).backend());
            assertEquals(null, info.dtype(), "the server's precision is not ours to record");
        }
    }

    @Test
    void serverFlagsMapOntoTheClientAndAreCheckedByName() {
        EvalCommand cmd = new EvalCommand();
        new CommandLine(cmd).parseArgs("--backend", "openai", "--base-url", "http://gpu:8000/v1", "--model",
                "qwen3-4b-grpo", "--tokenizer", "models/Qwen3-4B", "--api-key-env", "MY_KEY", "--max-concurrency",
                "32", "--timeout", "90", "--tasks", "x", "--out", "o");
        OpenAiBackend.Options o = cmd.serverOptions(v -> v.equals("MY_KEY") ? " sk-secret\n" : null);
        assertEquals("http://gpu:8000/v1", o.baseUrl().toString());
        assertEquals("qwen3-4b-grpo", o.model());
        assertEquals("sk-secret", o.apiKey());
        assertEquals(32, o.maxConcurrency());
        assertEquals(Duration.ofSeconds(90), o.timeout());
        String unset = CliRuns.failing("eval", "--backend", "openai", "--base-url", "http://127.0.0.1:9/v1",
                "--model", "m", "--tokenizer", dir.toString(), "--api-key-env", "SEMGRPO_TEST_NO_SUCH_KEY", "--tasks",
                "x", "--out", dir.resolve("o").toString());
        assertTrue(unset.contains("--api-key-env names the environment variable 'SEMGRPO_TEST_NO_SUCH_KEY', which is "
                + "not set or empty"), unset);
        String noTokenizer = CliRuns.failing("eval", "--backend", "openai", "--base-url", "http://127.0.0.1:9/v1",
                "--model", "m", "--tasks", "x", "--out", dir.resolve("o").toString());
        assertTrue(noTokenizer.contains("--tokenizer is missing"), noTokenizer);
        String localWithUrl = CliRuns.failing("eval", "--model", dir.toString(), "--base-url", "http://x",
                "--tasks", "x", "--out", dir.resolve("o").toString());
        assertTrue(localWithUrl.contains("--base-url is an option of --backend openai"), localWithUrl);
        String credentials = CliRuns.failing("eval", "--backend", "openai", "--base-url", "http://u:pw@h/v1",
                "--model", "m", "--tokenizer", dir.toString(), "--tasks", "x", "--out", dir.resolve("o").toString());
        assertTrue(credentials.contains("must not carry credentials") && !credentials.contains("pw"), credentials);
        assertFalse(Files.exists(dir.resolve("o")));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
