package dev.semgrpo.rewards.encoder;

import java.util.List;

/** Texts to sentence embeddings. */
public interface SentenceEncoder extends AutoCloseable {
    /**
     * Embeddings of {@code texts}, in order, with {@code prefix} (e.g. {@code "query: "}) put before each text.
     *
     * @return one vector per text ({@link #dimension()} floats), unit length when the encoder normalises
     */
    float[][] encode(List<String> texts, String prefix);

    /** Embedding size. */
    int dimension();

    /** Texts cut to the maximum length so far, and texts encoded so far. */
    long[] truncation();

    @Override
    void close();
}
