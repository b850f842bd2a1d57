package dev.semgrpo.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.generate.LogprobsMode;
import dev.semgrpo.model.io.SafetensorsFile;
import dev.semgrpo.serve.Server;
import dev.semgrpo.serve.ServerOptions;
import dev.semgrpo.trainer.config.ConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO with its rollouts on a real {@code semgrpo serve} over loopback: the server is handed each step's adapter,
 * the importance weights are 1 when it serves exactly the trainer's weights, and a server that dies mid-run stops
 * the run with its URL and leaves a checkpoint the run resumes from.
 */
class GrpoServerTest {
    @TempDir
    Path dir;

    /** A LoRA run of {@code steps} steps at T = 0.8 (top-p 1, top-k 0: nothing to renormalise) on {@code url}. */
    private static String yaml(int steps, String url, int maxRetries) {
        return TinyRuns.grpoYaml("srv", steps, 1, "rollout:\n  backend: openai\n  base_url: " + url + "\n"
                + "  model: model\n  max_concurrency: 4\n  max_retries: " + maxRetries + "\n")
                .replace("model:\n  path: model\n", "model:\n  path: model\n  lora:\n    r: 4\n    alpha: 8\n"
                        + "    dropout: 0.0\n")
                .replace("  temperature: 1.0\n", "  temperature: 0.8\n");
    }

    private Server serve(long stopAfterRequests) throws IOException {
        return Server.start(ServerOptions.builder().setModel(dir.resolve("model")).optLoraRoot(dir).optPort(0)
                .optLogprobsMode(LogprobsMode.PROCESSED).optStopAfterRequests(stopAfterRequests)
                .optStopAfterSeconds(240).build());
    }

    /** Creates the run's random model (model.init) so that a server can load it first. */
    private void createModel() throws IOException {
        ConfigLoader.Loaded c = TinyRuns.load(dir, yaml(1, "http://127.0.0.1:9/v1", 0), List.of(), true);
        Policy.open(c.settings().model(), c.settings().run().seed()).close();
    }

    private Path train(String yaml, Path resume) throws IOException {
        ConfigLoader.Loaded c = TinyRuns.load(dir, yaml, List.of(), true);
        return GrpoTrainer.train(c.settings(), c.rewards(), resume, null);
    }

    private static List<JsonNode> metrics(Path run) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            out.add(ConfigLoader.YAML.readTree(l));
        }
        return out;
    }

    private static double maxAbsB(Path adapter) throws IOException {
        double max = 0;
        try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"));
                NDManager m = Torch.manager()) {
            for (String name : f.tensors().keySet()) {
                if (name.contains("lora_B")) {
                    NDArray b = f.load(m, name, DataType.FLOAT32);
                    max = Math.max(max, b.abs().max().getFloat());
                }
            }
        }
        return max;
    }

    @Test
    void serverRolloutsTrainWithImportanceWeightsOfOne() throws Exception {
        TinyRuns.setUp(dir);
        createModel();
        Path run;
        try (Server server = serve(1000)) {
            run = train(yaml(3, server.baseUrl() + "/v1", 2), null);
            // every step's adapter was unloaded again and its folder removed
            HttpResponse<String> models = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.baseUrl() + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode data = ConfigLoader.YAML.readTree(models.body()).get("data");
            assertEquals(1, data.size(), "only the base model is left: " + models.body());
        }
        try (var left = Files.list(run.resolve("rollout-adapters"))) {
            assertEquals(0, left.count());
        }
        List<JsonNode> m = metrics(run);
        assertEquals(3, m.size());
        for (JsonNode line : m) {
            // the server samples from exactly the trainer's weights, with the temperature applied
            assertEquals(1.0, line.get("sampling/importance_sampling_ratio/min").asDouble(), 1e-3, line.toString());
            assertEquals(1.0, line.get("sampling/importance_sampling_ratio/max").asDouble(), 1e-3, line.toString());
            assertEquals(1.0, line.get("sampling/importance_sampling_ratio/mean").asDouble(), 1e-3);
            assertTrue(line.get("sampling/sampling_logp_difference/max").asDouble() < 1e-3, line.toString());
            assertEquals(0.0, line.get("sampling/importance_sampling_ratio/capped_frac").asDouble());
            assertTrue(Double.isFinite(line.get("reward").asDouble()));
            assertTrue(line.get("completions/mean_length").asDouble() > 0);
        }
        // LoRA B starts at 0: the server's rollouts trained the adapter
        assertTrue(maxAbsB(run.resolve("checkpoints/step-3/adapter")) > 0);
        assertFalse(m.get(0).get("reward").asDouble() == m.get(2).get("reward").asDouble()
                && m.get(1).get("reward").asDouble() == m.get(2).get("reward").asDouble(),
                "the rewards of three steps of a changing policy are not all equal");
    }

    @Test
    void aServerThatDiesStopsTheRunWhichResumesOnANewServer() throws Exception {
        TinyRuns.setUp(dir);
        createModel();
        Path run;
        String url;
        // a step takes 5-6 requests (adapter load and unload, 4 prompts): a server that stops after 9 dies mid-run
        int failed;
        try (Server server = serve(9)) {
            url = server.baseUrl() + "/v1";
            IOException e = assertThrows(IOException.class, () -> train(yaml(4, url, 1), null));
            java.util.regex.Matcher step = java.util.regex.Pattern.compile("^step (\\d+): rollouts on the server "
                    + "failed").matcher(e.getMessage());
            assertTrue(step.find(), e.getMessage());
            failed = Integer.parseInt(step.group(1));
            assertTrue(failed >= 2 && failed <= 3, e.getMessage());
            assertTrue(e.getMessage().contains(url) && e.getMessage().contains("unreachable"), e.getMessage());
            assertTrue(e.getMessage().contains("--resume " + dir.resolve("runs/srv")), e.getMessage());
        }
        run = dir.resolve("runs/srv");
        assertTrue(Files.isDirectory(run.resolve("checkpoints/step-" + (failed - 1))), "the last checkpoint is intact");
        assertFalse(Files.exists(run.resolve("checkpoints/step-" + failed)));
        try (Server again = serve(1000)) {
            train(yaml(4, again.baseUrl() + "/v1", 1), run);
        }
        List<JsonNode> m = metrics(run);
        assertEquals(List.of(1L, 2L, 3L, 4L), m.stream().map(l -> l.get("step").asLong()).toList());
        assertTrue(Files.isDirectory(run.resolve("checkpoints/step-4")));
        try (var left = Files.list(run.resolve("rollout-adapters"))) {
            assertEquals(List.of(), left.toList(), "the killed run's adapter folders are gone too");
        }
    }
}
