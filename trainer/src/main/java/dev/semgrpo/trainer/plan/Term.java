package dev.semgrpo.trainer.plan;

/**
 * One named part of a stage's memory.
 *
 * @param name what it is, e.g. {@code weights (fp32)}
 * @param bytes its size
 * @param how the arithmetic, with the numbers that went in
 */
public record Term(String name, long bytes, String how) {
    public Term {
        if (bytes < 0) {
            throw new IllegalArgumentException("term '" + name + "' has negative size " + bytes);
        }
    }
}
