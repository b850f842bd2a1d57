package dev.semgrpo.model.remote;

import java.net.http.HttpResponse;

/**
 * The retry delay every HTTP client here uses (the generation client, the judge, remote rewards): exponential from a
 * first delay, never shorter than a server's {@code Retry-After}, never longer than a cap.
 */
public final class Backoff {
    private Backoff() {
    }

    /**
     * The delay before retry {@code attempt + 1}: {@code firstMs x 2^attempt}, at least {@code retryAfterMs}, at most
     * {@code maxMs}.
     */
    public static long delayMs(int attempt, long firstMs, long maxMs, long retryAfterMs) {
        double d = firstMs * Math.pow(2, Math.min(attempt, 30));
        return (long) Math.min(maxMs, Math.max(d, retryAfterMs));
    }

    /** A response's {@code Retry-After} in milliseconds (its delta-seconds form); 0 when absent or an HTTP date. */
    public static long retryAfterMs(HttpResponse<?> resp) {
        return resp.headers().firstValue("Retry-After").map(v -> {
            try {
                return Math.max(0, Long.parseLong(v.strip())) * 1000;
            } catch (NumberFormatException e) {
                return 0L; // an HTTP date: the exponential delay applies
            }
        }).orElse(0L);
    }
}
