package dev.semgrpo.model.remote;

import java.io.IOException;

/**
 * A server answered with an error, or could not be reached within the retries. The message names the URL, the
 * status (or the transport error), the server's own message and field where it gave one, and what to do.
 */
public final class RemoteException extends IOException {
    private final int status;

    /** @param status the HTTP status, or -1 for a transport error (refused, reset, timed out) */
    public RemoteException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status, or -1 when the server could not be reached. */
    public int status() {
        return status;
    }

    /** Whether the server stayed unreachable or overloaded through every retry (as opposed to refusing the request). */
    public boolean unavailable() {
        return status < 0 || status == 429 || status >= 500;
    }
}
