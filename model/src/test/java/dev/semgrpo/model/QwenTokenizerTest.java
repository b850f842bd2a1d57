package dev.semgrpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Qwen3's real tokenizer files: ids as transformers' Qwen tokenizer gives them. */
class QwenTokenizerTest {
    @TempDir
    Path dir;

    private TextTokenizer load() throws IOException {
        return TinyModels.realTokenizer(dir, "qwen3");
    }

    @Test
    void specialTokensChatPromptAndRoundTrip() throws IOException {
        try (TextTokenizer tok = load()) {
            assertEquals(151669, tok.vocabSize());
            assertEquals(Set.of(151645), tok.eosIds(), "<|im_end|>");
            assertEquals(151643, tok.padId(), "<|endoftext|>");
            assertNull(tok.bosId());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", "user");
            m.put("content", "你好");
            assertArrayEquals(new int[] {151644, 872, 198, 108386, 151645, 198, 151644, 77091, 198},
                    new PromptRenderer(tok, Map.of(), "test").chat(List.of(m)).ids(), "the template's own defaults");
            assertArrayEquals(new int[] {100644, 104307, 101243, 1773}, tok.encode("今天天气很好。"));
            String mixed = "今天天气很好。བོད་ཡིག Hello world";
            assertEquals(mixed, tok.decode(tok.encode(mixed), true));
            assertEquals("", tok.decode(new int[] {151645}, true), "special tokens are skipped");
        }
    }
}
