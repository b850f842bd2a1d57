package dev.semgrpo.serve;

import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a single token reads in log-prob listings: its text decoded alone with special tokens kept (a byte of a
 * multi-byte character reads as U+FFFD, as in vLLM), or {@code token_id:<id>} when the request asked for ids.
 * Decoded texts are cached per id.
 */
final class TokenText {
    private final TextTokenizer tokenizer;
    private final ConcurrentHashMap<Integer, String> cache = new ConcurrentHashMap<>();

    TokenText(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    String of(int id, boolean asId) {
        if (asId) {
            return "token_id:" + id;
        }
        return cache.computeIfAbsent(id, i -> tokenizer.decode(new int[] {i}, false));
    }
}
