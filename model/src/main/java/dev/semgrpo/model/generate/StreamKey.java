package dev.semgrpo.model.generate;

/**
 * Where a prompt's samples draw their uniforms: sample k of a prompt keyed (seed, promptIndex) uses the stream
 * seeded by (seed, promptIndex, k), so its tokens do not depend on what else shares the batch.
 *
 * @param seed the request's seed
 * @param promptIndex the prompt's index in its request or data set; also the {@link Completion#promptIndex}
 */
public record StreamKey(long seed, int promptIndex) {
}
