package dev.semgrpo.rewards;

import dev.semgrpo.rewards.encoder.SentenceEncoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Embeddings kept across steps, keyed by prefix and text, least recently used dropped first. References repeat
 * every epoch and across a group's samples, so they are encoded once.
 */
public final class EmbeddingCache {
    private final SentenceEncoder encoder;
    private final Map<String, float[]> cache;

    public EmbeddingCache(SentenceEncoder encoder, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("cache capacity must be >= 1, found " + capacity);
        }
        this.encoder = encoder;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Embeddings of {@code texts} with {@code prefix}; only texts not cached are encoded, in one batch. */
    public synchronized float[][] get(List<String> texts, String prefix) {
        float[][] out = new float[texts.size()][];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            float[] v = cache.get(prefix + "\u0000" + texts.get(i));
            if (v != null) {
                out[i] = v;
            } else if (!missing.contains(texts.get(i))) {
                missing.add(texts.get(i));
            }
        }
        if (!missing.isEmpty()) {
            float[][] enc = encoder.encode(missing, prefix);
            Map<String, float[]> fresh = new java.util.HashMap<>();
            for (int i = 0; i < missing.size(); i++) {
                fresh.put(missing.get(i), enc[i]);
                cache.put(prefix + "\u0000" + missing.get(i), enc[i]);
            }
            for (int i = 0; i < texts.size(); i++) {
                if (out[i] == null) {
                    out[i] = fresh.get(texts.get(i)); // read from the batch: the cache may already have evicted it
                }
            }
        }
        return out;
    }
}
