package dev.semgrpo.serve;

import dev.semgrpo.model.io.Plural;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine thread and a bounded queue in front of it. Requests that arrive while a batch runs wait and join the
 * next one; a batch takes the oldest waiting job and every later one with the same {@link Job.BatchKey}, up to
 * {@code maxBatchRows} rows (the first job always goes, however many rows it has: the Generator splits it); a batch
 * that is not full waits up to {@code batchWaitMs} for more to join, so clients whose requests arrive a moment apart
 * share it instead of the first running alone. A full
 * queue is answered 429. Control work (adapter load and unload) also runs on the engine thread, between batches,
 * so the model is never changed under a running batch.
 */
final class Scheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    /** Retry-After of a 429, in seconds. */
    static final int RETRY_AFTER_SECONDS = 1;

    private record Pending(Job job, CompletableFuture<JobResult> result) {
    }

    private record Control(Callable<?> work, CompletableFuture<Object> result) {
    }

    private final Engine engine;
    private final int maxQueue;
    private final int maxBatchRows;
    private final long batchWaitNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>(); // guarded by lock
    private final ArrayDeque<Control> controls = new ArrayDeque<>(); // guarded by lock
    private int running; // guarded by lock
    private boolean closing; // guarded by lock
    private final Thread thread;

    Scheduler(Engine engine, int maxQueue, int maxBatchRows, double batchWaitMs) {
        this.engine = engine;
        this.maxQueue = maxQueue;
        this.maxBatchRows = maxBatchRows;
        this.batchWaitNanos = (long) (batchWaitMs * 1e6);
        this.thread = new Thread(this::loop, "semgrpo-serve-engine");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues {@code job}; the future completes with its result, or exceptionally with an {@link ApiError}.
     *
     * @throws ApiError 429 when the queue is full, 503 when the server is stopping
     */
    CompletableFuture<JobResult> submit(Job job) {
        lock.lock();
        try {
            if (closing) {
                throw ApiError.unavailable("the server is shutting down; send the request to another server");
            }
            if (queue.size() >= maxQueue) {
                throw ApiError.rateLimited("the server's queue is full (" + queue.size() + " requests waiting, the"
                        + " most --max-queue=" + maxQueue + " allows); retry after " + RETRY_AFTER_SECONDS + " s",
                        RETRY_AFTER_SECONDS);
            }
            Pending p = new Pending(job, new CompletableFuture<>());
            queue.add(p);
            changed.signalAll();
            return p.result();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} on the engine thread between batches and returns its result; an {@link ApiError} it throws
     * comes back as is.
     */
    <T> T control(Callable<T> work) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        lock.lock();
        try {
            if (closing) {
                throw ApiError.unavailable("the server is shutting down");
            }
            controls.add(new Control(work, f));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        @SuppressWarnings("unchecked")
        T out = (T) await(f);
        return out;
    }

    /** The value of {@code f}; its failure rethrown as the {@link ApiError} it holds (or a 500). */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.unavailable("the request was interrupted while the server stopped");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof ApiError a) {
                throw a;
            }
            throw ApiError.internal(c);
        }
    }

    Server.Load load() {
        lock.lock();
        try {
            return new Server.Load(queue.size(), running);
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            List<Pending> batch = new ArrayList<>();
            Control control = null;
            lock.lock();
            try {
                while (!closing && queue.isEmpty() && controls.isEmpty()) {
                    changed.awaitUninterruptibly();
                }
                if (closing) {
                    return;
                }
                if (!controls.isEmpty()) {
                    control = controls.poll();
                } else {
                    take(batch);
                    gather(batch);
                    running = batch.size();
                }
            } finally {
                lock.unlock();
            }
            if (control != null) {
                runControl(control);
            } else {
                runBatch(batch);
            }
        }
    }

    /** Moves the oldest job and the compatible ones after it (up to the row limit) from the queue into batch. */
    private void take(List<Pending> batch) {
        batch.add(queue.poll());
        join(batch);
    }

    /**
     * While the batch has room, waits up to the batch window for compatible jobs to arrive (lock held; the wait
     * releases it). Stops early for a full batch, adapter work or shutdown.
     */
    private void gather(List<Pending> batch) {
        long deadline = System.nanoTime() + batchWaitNanos;
        while (rows(batch) < maxBatchRows && !closing && controls.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                changed.awaitNanos(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            join(batch);
        }
    }

    private static int rows(List<Pending> batch) {
        return batch.stream().mapToInt(p -> p.job().rows()).sum();
    }

    /** Moves queued jobs compatible with the batch's first, up to the row limit, into it. */
    private void join(List<Pending> batch) {
        Job.BatchKey key = batch.get(0).job().key();
        int rows = rows(batch);
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.job().key().equals(key) && rows + p.job().rows() <= maxBatchRows) {
                rows += p.job().rows();
                batch.add(p);
                it.remove();
            }
        }
    }

    private void runControl(Control c) {
        try {
            c.result().complete(c.work().call());
        } catch (ApiError e) {
            c.result().completeExceptionally(e);
        } catch (Exception | Error e) {
            LOG.error("adapter operation failed", e);
            c.result().completeExceptionally(e);
        }
    }

    private void runBatch(List<Pending> batch) {
        try {
            List<JobResult> results = engine.run(batch.stream().map(Pending::job).toList());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(results.get(i));
            }
        } catch (ApiError e) {
            batch.forEach(p -> p.result().completeExceptionally(e));
        } catch (Exception | Error e) {
            LOG.error("a batch of {} failed", Plural.of(batch.size(), "request"), e);
            batch.forEach(p -> p.result().completeExceptionally(e));
        } finally {
            lock.lock();
            try {
                running = 0;
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Stops taking work: waiting jobs and control work are answered 503, the batch on the engine finishes (its
     * requests get their answers), then the engine thread ends.
     */
    @Override
    public void close() {
        List<CompletableFuture<?>> dropped = new ArrayList<>();
        lock.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            queue.forEach(p -> dropped.add(p.result()));
            controls.forEach(c -> dropped.add(c.result()));
            queue.clear();
            controls.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        ApiError stopping = ApiError.unavailable("the server is shutting down; the request was not run");
        dropped.forEach(f -> f.completeExceptionally(stopping));
        try {
            thread.join(TimeUnit.MINUTES.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
