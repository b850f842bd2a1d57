package dev.semgrpo.rewards.custom;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scorer on 127.0.0.1 (ephemeral port) for the tests: answers each POST with what {@link Handler} says, records
 * requests, refuses (HTTP 500) past {@code maxRequests}, and stops itself when closed or after 30 seconds.
 */
final class LoopbackScorer implements AutoCloseable {
    /** One received request. */
    record Request(String body, String authorization) {
    }

    /** An answer. */
    record Answer(int status, String body, long delayMs) {
        static Answer ok(String body) {
            return new Answer(200, body, 0);
        }
    }

    interface Handler {
        /** @param n the request's number, from 0 */
        Answer answer(int n, Request r);
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "loopback-scorer");
        t.setDaemon(true);
        return t;
    });
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();

    LoopbackScorer(int maxRequests, Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(pool);
        server.createContext("/score", ex -> {
            int n = count.getAndIncrement();
            Request r = new Request(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    ex.getRequestHeaders().getFirst("Authorization"));
            requests.add(r);
            Answer a = n >= maxRequests ? new Answer(500, "too many requests for this test", 0) : handler.answer(n, r);
            if (a.delayMs() > 0) {
                try {
                    Thread.sleep(a.delayMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            send(ex, a);
        });
        server.start();
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                return;
            }
            close();
        }, "loopback-scorer-stopper");
        stopper.setDaemon(true);
        stopper.start();
    }

    private static void send(HttpExchange ex, Answer a) throws IOException {
        byte[] b = a.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(a.status(), b.length == 0 ? -1 : b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/score");
    }

    List<Request> requests() {
        return requests;
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
