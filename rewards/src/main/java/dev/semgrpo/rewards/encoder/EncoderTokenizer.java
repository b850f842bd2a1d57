package dev.semgrpo.rewards.encoder;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Encoder-side tokenisation: the tokenizer's own special tokens ([CLS] ... [SEP], &lt;s&gt; ... &lt;/s&gt;), no
 * padding, and truncation to {@code maxLength} as transformers does it (content cut, specials kept). Every
 * truncation is counted, so a caller can report it.
 */
public final class EncoderTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer full;
    private final HuggingFaceTokenizer truncating;
    private final int maxLength;
    private final Path file;
    private final AtomicLong truncated = new AtomicLong();
    private final AtomicLong seen = new AtomicLong();

    public EncoderTokenizer(Path tokenizerJson, int maxLength) throws IOException {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IOException(tokenizerJson + ": no such file; the encoder needs a HF tokenizer.json");
        }
        this.maxLength = maxLength;
        this.file = tokenizerJson;
        this.full = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("addSpecialTokens", "true",
                "truncation", "false", "padding", "false", "maxLength", String.valueOf(Integer.MAX_VALUE)));
        this.truncating = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("addSpecialTokens", "true",
                "truncation", "true", "padding", "false", "maxLength", String.valueOf(maxLength)));
    }

    /** Ids (specials included), at most {@code maxLength} of them. */
    public long[] encode(String text) {
        seen.incrementAndGet();
        long[] ids = full.encode(text).getIds();
        if (ids.length <= maxLength) {
            return ids;
        }
        truncated.incrementAndGet();
        return truncating.encode(text).getIds();
    }

    /** Number of tokens of {@code prefix} as it opens a text, leading special token included. */
    public int prefixTokens(String prefix) {
        if (prefix.isEmpty()) {
            return 0;
        }
        return full.encode(prefix).getIds().length - 1; // minus the closing special token
    }

    /** The tokenizer.json this tokenizer reads. */
    public Path file() {
        return file;
    }

    /** Texts truncated so far. */
    public long truncatedCount() {
        return truncated.get();
    }

    /** Texts tokenised so far. */
    public long seenCount() {
        return seen.get();
    }

    @Override
    public void close() {
        full.close();
        truncating.close();
    }
}
