package dev.semgrpo.serve;

import com.sun.net.httpserver.HttpServer;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code semgrpo serve} in-process: loads the model, starts the engine thread and the HTTP server, and answers
 * until {@link #close} (or its stop-after limits). Tests and other modules start one on loopback:
 *
 * <pre>{@code
 * try (Server s = Server.start(ServerOptions.builder().setModel(dir).optPort(0).build())) {
 *     URI completions = URI.create(s.baseUrl() + "/v1/completions");
 *     ...
 * }
 * }</pre>
 *
 * Closing is graceful: new requests and waiting ones are answered 503, the batch on the engine finishes and its
 * requests get their answers, then the model is released.
 */
public final class Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Server.class);
    /** Seconds {@link #close} gives requests already answered to finish writing. */
    private static final int DRAIN_SECONDS = 1;

    private final ServerOptions options;
    private final String modelName;
    private final int maxModelLen;
    private final TextTokenizer tokenizer;
    private final CausalLM model;
    private final AdapterRegistry adapters;
    private final Scheduler scheduler;
    private final HttpServer http;
    private final ExecutorService pool;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicLong answered = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Server(ServerOptions options, String modelName, int maxModelLen, TextTokenizer tokenizer, CausalLM model,
            AdapterRegistry adapters) throws IOException {
        this.options = options;
        this.modelName = modelName;
        this.maxModelLen = maxModelLen;
        this.tokenizer = tokenizer;
        this.model = model;
        this.adapters = adapters;
        this.scheduler = new Scheduler(new Engine(model, tokenizer, adapters, options.maxBatchRows(),
                options.logprobsMode()), options.maxQueue(), options.maxBatchRows(), options.batchWaitMs());
        Endpoints endpoints = new Endpoints(new Endpoints.Served(modelName, options.model().toAbsolutePath()
                .normalize(), model.config().vocabSize(), System.currentTimeMillis() / 1000), tokenizer,
                new Limits(options.maxN(), maxModelLen, options.maxTokensPerRequest()), adapters, scheduler);
        Router router = new Router(endpoints, options.apiKey(), options.maxRequestBytes(), closing::get,
                this::countAnswered);
        HttpServer bound;
        try {
            bound = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 0);
        } catch (IOException e) {
            scheduler.close();
            throw new IOException("cannot listen on " + options.host() + ":" + options.port() + " (" + e.getMessage()
                    + "); choose another --host/--port (--port 0 picks a free one)", e);
        }
        this.http = bound;
        // one thread per request the server can hold: the queue, a full batch of single-row requests, a few more
        this.pool = Executors.newFixedThreadPool(Math.min(512, options.maxQueue() + options.maxBatchRows() + 8),
                daemonThreads("semgrpo-serve-http"));
        http.setExecutor(pool);
        http.createContext("/", router);
        this.timer = Executors.newSingleThreadScheduledExecutor(daemonThreads("semgrpo-serve-timer"));
        http.start();
        if (options.stopAfterSeconds() > 0) {
            timer.schedule(this::stopInBackground, Math.round(options.stopAfterSeconds() * 1000),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Loads the model (and merges {@code --adapter}), loads {@code --lora-modules} and starts answering.
     *
     * @throws IOException when a file cannot be read or the address cannot be bound
     * @throws IllegalArgumentException when an option does not fit the model
     */
    public static Server start(ServerOptions options) throws IOException {
        TextTokenizer tok = TextTokenizer.load(options.model());
        CausalLM model = null;
        AdapterRegistry adapters = null;
        try {
            model = CausalLM.load(options.model(), options.device(), options.dtype());
            if (options.adapter() != null) {
                Lora.load(model, options.adapter());
                model.mergeAdapters();
            }
            int maxModelLen = options.maxModelLen() == 0 ? model.maxPositions() : options.maxModelLen();
            if (maxModelLen > model.maxPositions()) {
                throw new IllegalArgumentException("--max-model-len=" + maxModelLen + " is more than the model's"
                        + " max_position_embeddings=" + model.maxPositions() + "; lower it or leave it out");
            }
            String name = options.servedModelName() != null ? options.servedModelName()
                    : String.valueOf(options.model().toAbsolutePath().normalize().getFileName());
            adapters = new AdapterRegistry(model, name, options.loraRoot(), options.maxLoras(),
                    options.maxLoraRank());
            for (Map.Entry<String, Path> e : options.loraModules().entrySet()) {
                try {
                    adapters.preload(e.getKey(), e.getValue());
                } catch (ApiError err) {
                    throw new IllegalArgumentException("--lora-modules " + e.getKey() + "=" + e.getValue() + ": "
                            + err.getMessage());
                }
            }
            return new Server(options, name, maxModelLen, tok, model, adapters);
        } catch (IOException | RuntimeException e) {
            if (adapters != null) {
                adapters.close();
            }
            if (model != null) {
                model.close();
            }
            tok.close();
            throw e;
        }
    }

    /** The bound port (the chosen one when the options asked for port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** {@code http://host:port}, to which /v1/completions and the rest are appended. */
    public String baseUrl() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + port();
    }

    /** The base model's name in requests. */
    public String modelName() {
        return modelName;
    }

    /** Longest prompt plus max_tokens a request may ask for. */
    public int maxModelLen() {
        return maxModelLen;
    }

    /**
     * The engine's queue now.
     *
     * @param queued requests waiting for the engine
     * @param running requests in the batch on the engine
     */
    public record Load(int queued, int running) {
    }

    /** Requests waiting and running now. */
    public Load load() {
        return scheduler.load();
    }

    /** Whether the server has stopped (closed, or its stop-after limits reached). */
    public boolean isStopped() {
        return stopped.getCount() == 0;
    }

    /** Blocks until the server has stopped. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Blocks until the server has stopped or {@code millis} passed; true when it stopped. */
    public boolean awaitStop(long millis) throws InterruptedException {
        return stopped.await(millis, TimeUnit.MILLISECONDS);
    }

    private void countAnswered() {
        long n = answered.incrementAndGet();
        if (options.stopAfterRequests() > 0 && n == options.stopAfterRequests()) {
            stopInBackground();
        }
    }

    /** Closes from a thread of its own: a request handler must not wait for its own exchange to end. */
    private void stopInBackground() {
        Thread t = new Thread(this::close, "semgrpo-serve-stop");
        t.start();
    }

    /**
     * Stops: new and waiting requests are answered 503, the running batch finishes and is answered, the HTTP
     * server stops, and the model and adapters are released. Safe to call more than once and from any thread.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            scheduler.close();
            http.stop(DRAIN_SECONDS);
            pool.shutdownNow();
            timer.shutdownNow();
            adapters.close();
            model.close();
            tokenizer.close();
            LOG.info("semgrpo serve on port {} stopped after {}", port(), Plural.of(answered.get(), "request"));
        } finally {
            stopped.countDown();
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        AtomicLong count = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
