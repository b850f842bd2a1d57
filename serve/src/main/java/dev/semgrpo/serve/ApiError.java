package dev.semgrpo.serve;

/**
 * An error answered as {@code {"error":{"message","type","param","code"}}} with its HTTP status (wire.md, Errors).
 * The message names the field, the constraint and the value found; it never carries a stack trace.
 */
final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final int retryAfterSeconds;

    private ApiError(int status, String type, String param, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: {@code param} names the offending field (null when the whole body is at fault). */
    static ApiError badRequest(String param, String message) {
        return new ApiError(400, "BadRequestError", param, message, 0);
    }

    static ApiError unauthorized(String message) {
        return new ApiError(401, "AuthenticationError", null, message, 0);
    }

    static ApiError notFound(String param, String message) {
        return new ApiError(404, "NotFoundError", param, message, 0);
    }

    static ApiError methodNotAllowed(String message) {
        return new ApiError(405, "MethodNotAllowedError", null, message, 0);
    }

    static ApiError tooLarge(String message) {
        return new ApiError(413, "RequestTooLarge", null, message, 0);
    }

    /** 429 with a {@code Retry-After} header of {@code seconds}. */
    static ApiError rateLimited(String message, int seconds) {
        return new ApiError(429, "RateLimitError", null, message, seconds);
    }

    static ApiError unavailable(String message) {
        return new ApiError(503, "ServiceUnavailable", null, message, 0);
    }

    /** 500 for an unexpected failure: the first line of what failed (or its kind), never a trace. */
    static ApiError internal(Throwable cause) {
        String m = cause.getMessage();
        String line = m == null ? "" : m.strip().lines().findFirst().orElse("");
        return new ApiError(500, "InternalServerError", null, "internal error: " + (line.isEmpty()
                ? cause.getClass().getSimpleName() : line), 0);
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }

    String param() {
        return param;
    }

    /** Seconds for {@code Retry-After}, or 0 for none. */
    int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
