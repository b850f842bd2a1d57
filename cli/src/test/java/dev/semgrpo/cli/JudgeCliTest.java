package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpServer;
import dev.semgrpo.eval.results.EvalResults;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.TaskSummary;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code semgrpo judge} against a loopback server: fails closed, reruns into the same folder, never shows the key. */
class JudgeCliTest {
    private static final String KEY = "sk-cli/Xy+Zw=Key/0123456789";
    private static final int EXAMPLES = 3;

    @TempDir
    Path dir;

    /** What the loopback server answers: a status and a body for the key it was sent. */
    private final AtomicReference<Integer> status = new AtomicReference<>(200);
    private final AtomicInteger requests = new AtomicInteger();

    @AfterEach
    void restoreEnvironment() {
        JudgeCommand.environment = System::getenv;
    }

    /** The key in the forms a careless server echoes it in: JSON with \/, URL-encoded, base64 of the header. */
    private static String echo(String authorization) {
        String key = authorization.substring("Bearer ".length());
        return "key " + key.replace("/", "\\/") + " url " + URLEncoder.encode(key, StandardCharsets.UTF_8)
                + " header " + Base64.getEncoder().encodeToString(authorization.getBytes(StandardCharsets.US_ASCII));
    }

    private HttpServer server() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            try (exchange) {
                requests.incrementAndGet();
                String user = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String said = echo(exchange.getRequestHeaders().getFirst("Authorization"));
                String label = user.contains("Assistant A's Answer]\\ngood") ? "A" : "B";
                String content = JsonNodeFactory.instance.textNode(said + " [[" + label + "]]").toString();
                byte[] body = (status.get() == 200
                        ? "{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": " + content + "}}]}"
                        : "{\"error\": \"" + said + "\"}").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status.get(), body.length);
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(body);
                }
            }
        });
        server.start();
        return server;
    }

    private Path evalFolder(String name, String answer) throws IOException {
        Path run = dir.resolve(name);
        List<ExampleRecord> records = new ArrayList<>();
        for (int i = 0; i < EXAMPLES; i++) {
            records.add(new ExampleRecord("ex" + i, "Q" + i, answer + " answer " + i, List.of("ref " + i), Map.of(),
                    null, null, null));
        }
        EvalResults.write(run, new TaskSummary("mt", "generate", "target", EXAMPLES, name, null, null, List.of(), 0,
                JsonNodeFactory.instance.objectNode()), records);
        return run;
    }

    private String[] args(HttpServer server) throws IOException {
        Path cfg = dir.resolve("judge.yaml");
        Files.writeString(cfg, "base_url: http://127.0.0.1:" + server.getAddress().getPort() + "/v1\nmodel: stub\n"
                + "api_key_env: JUDGE_CLI_KEY\nmax_retries: 0\nconcurrency: 1\n");
        return new String[] {"judge", "--config", cfg.toString(), "--task", "mt", "--a", "tuned="
                + evalFolder("eval-tuned", "good"), "--b", "base=" + evalFolder("eval-base", "bad"), "--out",
                dir.resolve("out").toString()};
    }

    private void assertNoKey(String text) {
        String header = Base64.getEncoder().encodeToString(("Bearer " + KEY).getBytes(StandardCharsets.US_ASCII));
        for (String form : List.of(KEY, KEY.replace("/", "\\/"), URLEncoder.encode(KEY, StandardCharsets.UTF_8),
                header.substring(4, header.length() - 4))) {
            assertFalse(text.contains(form), form + " in: " + text);
        }
    }

    private String everyFile() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir.resolve("out"))) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(f);
                sb.append(text);
                for (String line : text.lines().toList()) {
                    try {
                        for (JsonNode n : EvalResults.JSON.readTree(line).findValues("reply")) {
                            sb.append(n.asText()); // decoded: \/ and \\u escapes undone
                        }
                    } catch (IOException notAWholeJsonLine) {
                        // a line of a pretty-printed file
                    }
                }
            }
        }
        return sb.toString();
    }

    @Test
    void aRejectedKeyFailsClosedAndARerunIntoTheSameFolderFinishesTheJob() throws Exception {
        JudgeCommand.environment = name -> "JUDGE_CLI_KEY".equals(name) ? KEY : null;
        HttpServer server = server();
        try {
            String[] args = args(server);
            status.set(401);
            String err = CliRuns.failing(args);
            assertTrue(err.contains("error: judge-mt: no example could be judged: 3 of 3 examples could not be "
                    + "judged (6 failed orders: 1 HTTP 401, 5 not asked)"), err);
            assertTrue(err.contains("check the key in the environment variable that api_key_env names"), err);
            assertNoKey(err);
            assertEquals(1, requests.get(), "the first 401 stops the run");
            assertFalse(Files.exists(dir.resolve("out").resolve("judge-mt")), "nothing written");

            status.set(200);
            String out = CliRuns.succeeding(args);
            assertTrue(out.contains("judge-mt: win rate of tuned over base = 1.000 (3 judged, 0 invalid"), out);
            assertNoKey(out);
            for (String f : List.of("examples.jsonl", "summary.json", "provenance.json")) {
                assertTrue(Files.isRegularFile(dir.resolve("out").resolve("judge-mt").resolve(f)), f);
            }
            assertTrue(everyFile().contains("key *** url *** header "), "the echoed key is masked: " + everyFile());
            assertNoKey(everyFile());

            int asked = requests.get();
            String again = CliRuns.succeeding(args);
            assertTrue(again.contains("already judged in " + dir.resolve("out").resolve("judge-mt")
                    + "; nothing to do"), again);
            assertEquals(asked, requests.get());
        } finally {
            server.stop(0);
        }
    }
}
