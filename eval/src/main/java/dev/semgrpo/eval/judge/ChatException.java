package dev.semgrpo.eval.judge;

/**
 * A chat completion request that gave no usable reply. Its message never holds the API key.
 */
public final class ChatException extends Exception {
    /** Why the request gave no reply. */
    public enum Kind {
        /** The server answered 2xx with a body that is not a chat completion; worth asking again. */
        MALFORMED_REPLY,
        /** A non-2xx status that is not retried (4xx other than 429), or 429/5xx after every retry. */
        HTTP_STATUS,
        /** Connection or timeout errors after every retry. */
        TRANSPORT
    }

    private final Kind kind;
    private final int status;

    /** An error of the given kind; {@code status} is the HTTP status or -1. */
    public ChatException(Kind kind, int status, String message) {
        super(message);
        this.kind = kind;
        this.status = status;
    }

    /** Why the request failed. */
    public Kind kind() {
        return kind;
    }

    /** The last HTTP status, or -1 when none came back. */
    public int status() {
        return status;
    }

    /**
     * True when every request would fail the same way, so that asking on is pointless: HTTP 401 or 403 (the key),
     * 404 (the base URL or the model name).
     */
    public boolean failsEveryRequest() {
        return kind == Kind.HTTP_STATUS && (status == 401 || status == 403 || status == 404);
    }

    /** A short name of the cause, for counts: "HTTP 401", "transport error" or "malformed reply". */
    public String cause() {
        return switch (kind) {
            case HTTP_STATUS -> "HTTP " + status;
            case TRANSPORT -> "transport error";
            case MALFORMED_REPLY -> "malformed reply";
        };
    }
}
