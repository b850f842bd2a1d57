package dev.semgrpo.bench;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.LogprobsMode;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.serve.Server;
import dev.semgrpo.serve.ServerOptions;
import dev.semgrpo.trainer.GrpoTrainer;
import dev.semgrpo.trainer.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code semgrpo serve} against the local engine on the same work, in one run on the ~30M benchmark model (not a
 * test): generation tokens/s with 1, 4 and 16 concurrent clients as a ratio of the local Generator's, p50/p99
 * request latency, and one GRPO step with local against server rollouts. Server and clients share this JVM and
 * its cores, as a trainer and a server on one machine would.
 */
public final class ServeBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PROMPTS = 16;
    private static final int GROUP = 8;
    private static final int NEW_TOKENS = 64;

    private ServeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("bench-serve");
        long parameters = ModelBenchmark.writeBenchmarkModel(work);
        System.out.printf(Locale.ROOT, "model: qwen3 hidden 512, 8 layers, %,d parameters; %d prompts of 32 tokens x "
                + "n=%d x up to %d new tokens, T=0.8, top-p 0.9%n", parameters, PROMPTS, GROUP, NEW_TOKENS);
        List<int[]> prompts = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < PROMPTS; i++) {
            int[] p = new int[32];
            for (int j = 0; j < p.length; j++) {
                p[j] = rng.nextInt(256);
            }
            prompts.add(p);
        }
        SamplingParams params = SamplingParams.builder().setMaxNewTokens(NEW_TOKENS).optN(GROUP).optTemperature(0.8)
                .optTopP(0.9).optSeed(3).build();

        double local = localTokensPerSecond(work.resolve("model"), prompts, params);
        System.out.printf(Locale.ROOT, "local Generator (64 rows per batch): %.0f tokens/s%n", local);
        try (Server server = Server.start(ServerOptions.builder().setModel(work.resolve("model")).optPort(0)
                .optLoraRoot(work).optLogprobsMode(LogprobsMode.PROCESSED).optMaxBatchRows(64).build())) {
            clients(server, prompts, 1); // warm-up
            System.out.println("semgrpo serve on 127.0.0.1 (max 64 rows per batch), one request per prompt:");
            for (int clients : new int[] {1, 4, 16}) {
                Result r = clients(server, prompts, clients);
                System.out.printf(Locale.ROOT, "  %2d clients: %6.0f tokens/s = %.2f x local; latency p50 %.2f s, "
                        + "p99 %.2f s%n", clients, r.tokensPerSecond, r.tokensPerSecond / local, r.p50, r.p99);
            }
            grpoStep(work, server);
        }
    }

    private static double localTokensPerSecond(Path model, List<int[]> prompts, SamplingParams p) throws Exception {
        try (CausalLM m = CausalLM.load(model, Device.cpu(), DataType.FLOAT32);
                TextTokenizer tok = TextTokenizer.load(model)) {
            Generator g = new Generator(m, tok).maxBatchRows(64);
            g.generate(prompts, p, null); // warm-up
            long t0 = System.nanoTime();
            List<List<Completion>> out = g.generate(prompts, p, null);
            double secs = (System.nanoTime() - t0) / 1e9;
            long tokens = out.stream().flatMap(List::stream).mapToLong(x -> x.tokenIds().length).sum();
            return tokens / secs;
        }
    }

    private record Result(double tokensPerSecond, double p50, double p99) {
    }

    /** {@code clients} threads send the prompts' requests (one prompt, n samples each) until all are answered. */
    private static Result clients(Server server, List<int[]> prompts, int clients) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(server.baseUrl() + "/v1/completions");
        ConcurrentLinkedQueue<Integer> todo = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < prompts.size(); i++) {
            todo.add(i);
        }
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong tokens = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            fs.add(pool.submit(() -> {
                Integer i;
                while ((i = todo.poll()) != null) {
                    ObjectNode body = JSON.createObjectNode();
                    body.put("model", server.modelName());
                    var ids = body.putArray("prompt");
                    Arrays.stream(prompts.get(i)).forEach(ids::add);
                    body.put("n", GROUP);
                    body.put("max_tokens", NEW_TOKENS);
                    body.put("temperature", 0.8);
                    body.put("top_p", 0.9);
                    body.put("seed", 1000 + i);
                    body.put("logprobs", 0);
                    body.put("return_tokens_as_token_ids", true);
                    long s = System.nanoTime();
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                            HttpResponse.BodyHandlers.ofString());
                    latencies.add((System.nanoTime() - s) / 1e9);
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
                    }
                    JsonNode usage = JSON.readTree(r.body()).get("usage");
                    tokens.addAndGet(usage.get("completion_tokens").asLong());
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Result(tokens.get() / secs, quantile(sorted, 0.5), quantile(sorted, 0.99));
    }

    private static double quantile(List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /** Two GRPO steps (LoRA r=16) with local rollouts, then two with the server's; the second step of each. */
    private static void grpoStep(Path work, Server server) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add("{\"prompt\": \"Translate into Tibetan, sentence " + i + ": the river runs past the school\","
                    + " \"reference\": \"chu bo slob grwa'i rgyab nas 'bab\"}");
        }
        Files.write(work.resolve("data.jsonl"), lines);
        System.out.println("GRPO step (LoRA r=16, 4 prompts x G=8, up to 64 new tokens, micro-batch 8):");
        for (boolean remote : new boolean[] {false, true}) {
            String name = remote ? "server" : "local";
            String yaml = "run:\n  name: " + name + "\n  output_dir: runs\n  seed: 1\n  max_steps: 2\n"
                    + "model:\n  path: model\n  lora:\n    r: 16\n    alpha: 32\n"
                    + "data:\n  path: data.jsonl\n  chat: false\n"
                    + "optim:\n  lr: 1.0e-4\n  micro_batch: 8\n"
                    + "grpo:\n  num_generations: 8\n  prompts_per_step: 4\n  max_completion_length: 64\n"
                    + "  temperature: 0.8\n  loss_type: grpo\n"
                    + "rewards:\n  rewards:\n    - {type: chrf, weight: 1.5}\n"
                    + (remote ? "rollout:\n  backend: openai\n  base_url: " + server.baseUrl() + "/v1\n"
                            + "  model: " + server.modelName() + "\n  max_concurrency: 4\n" : "");
            Path cfg = work.resolve(name + ".yaml");
            Files.writeString(cfg, yaml);
            ConfigLoader.Loaded l = ConfigLoader.load(cfg, List.of(), true);
            Path run = GrpoTrainer.train(l.settings(), l.rewards(), null, null);
            List<String> m = Files.readAllLines(run.resolve("metrics.jsonl"));
            JsonNode step = ConfigLoader.YAML.readTree(m.get(m.size() - 1));
            System.out.printf(Locale.ROOT, "  %-6s rollouts: step %.2f s, of which generate %.2f s (%.0f%%), update "
                    + "%.2f s%s%n", name, step.get("time/step_s").asDouble(), step.get("time/generate_s").asDouble(),
                    100 * step.get("time/generate_s").asDouble() / step.get("time/step_s").asDouble(),
                    step.get("time/update_s").asDouble(), remote ? String.format(Locale.ROOT,
                            "; importance weights mean %.4f, max |delta logp| %.2e",
                            step.get("sampling/importance_sampling_ratio/mean").asDouble(),
                            step.get("sampling/sampling_logp_difference/max").asDouble()) : "");
        }
    }
}
