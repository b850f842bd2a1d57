package dev.semgrpo.eval.judge;

/**
 * A judge run that must not count as a result: no example could be judged, or more than the accepted share could
 * not. Its message says what failed, with counts, what was kept and what to do; it never holds the API key.
 */
public final class JudgeFailedException extends Exception {
    /** A failure described by {@code message}. */
    public JudgeFailedException(String message) {
        super(message);
    }
}
