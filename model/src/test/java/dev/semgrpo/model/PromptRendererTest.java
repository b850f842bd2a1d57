package dev.semgrpo.model;

import static dev.semgrpo.model.tokenizer.PromptRenderer.message;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompts and SFT targets through the one renderer, on Qwen3's real tokenizer and the byte-level one. */
class PromptRendererTest {
    @TempDir
    Path dir;

    private TextTokenizer qwen3() throws IOException {
        return TinyModels.realTokenizer(dir, "qwen3");
    }

    private static int[] concat(int[] a, int... b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void qwen3DefaultWritesTheEmptyThinkBlockAndTheTargetIsTheAssistantTurn() throws IOException {
        try (TextTokenizer tok = qwen3()) {
            PromptRenderer r = new PromptRenderer(tok, null, "test");
            assertEquals(Map.of("enable_thinking", false), r.kwargs());
            PromptRenderer.Prompt p = r.user("把这句话翻译成藏文：你好");
            assertEquals("<|im_start|>user\n把这句话翻译成藏文：你好<|im_end|>\n<|im_start|>assistant\n"
                    + "<think>\n\n</think>\n\n", p.text());
            assertArrayEquals(tok.encodeRaw(p.text()), p.ids());
            int[] target = r.assistantTurn(List.of(message("user", "把这句话翻译成藏文：你好")), p, "བཀྲ་ཤིས་བདེ་ལེགས།");
            // the reference, <|im_end|> (the eos) and "\n", as the template writes the turn
            assertArrayEquals(concat(tok.encodeRaw("བཀྲ་ཤིས་བདེ་ལེགས།"), 151645, 198), target);
            assertEquals("བཀྲ་ཤིས་བདེ་ལེགས།<|im_end|>\n", tok.decode(target, false));
            assertArrayEquals(concat(tok.encodeRaw("བཀྲ་ཤིས་བདེ་ལེགས།"), 151645), r.plainCompletion("བཀྲ་ཤིས་བདེ་ལེགས།"));
        }
    }

    @Test
    void emptyKwargsRenderTheTemplatesOwnDefaultAndTheTargetCarriesTheThinkBlock() throws IOException {
        try (TextTokenizer tok = qwen3()) {
            PromptRenderer r = new PromptRenderer(tok, Map.of(), "test");
            PromptRenderer.Prompt p = r.user("Hi");
            assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", p.text());
            int[] target = r.assistantTurn(List.of(message("user", "Hi")), p, "Hello");
            assertEquals("<think>\n\n</think>\n\nHello<|im_end|>\n", tok.decode(target, false));
            PromptRenderer thinking = new PromptRenderer(tok, Map.of("enable_thinking", true), "test");
            assertEquals(p.text(), thinking.user("Hi").text());
        }
    }

    @Test
    void byteLevelDemoTokenizerIgnoresTheKwargsAndEndsTheTargetWithImEndAndNewline() throws IOException {
        ByteLevelTokenizer.write(dir);
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            PromptRenderer dflt = new PromptRenderer(tok, null, "test");
            PromptRenderer none = new PromptRenderer(tok, Map.of(), "test");
            assertArrayEquals(none.user("hi").ids(), dflt.user("hi").ids(), "ChatML without enable_thinking");
            int[] target = dflt.assistantTurn(List.of(message("user", "hi")), dflt.user("hi"), "ok");
            assertArrayEquals(new int[] {'o', 'k', 258, '\n'}, target);
            assertArrayEquals(new int[] {'o', 'k', 258}, dflt.plainCompletion("ok"));
            assertArrayEquals("plain".chars().toArray(), dflt.plain("plain").ids(), "plain text: bytes, no BOS");
        }
    }

    @Test
    void anAssistantTurnThatDoesNotExtendThePromptIsRejectedWithWhereItDiffers() throws IOException {
        ByteLevelTokenizer.write(dir);
        // generation prompt "<|im_start|>assistant\n", but answers written under another role name
        Files.writeString(dir.resolve("chat_template.jinja"), "{%- for m in messages %}{%- if m.role == 'assistant' %}"
                + "{{- '<|im_start|>bot\\n' + m.content + '<|im_end|>\\n' }}{%- else %}"
                + "{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}"
                + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}");
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            PromptRenderer r = new PromptRenderer(tok, null, "test");
            PromptRenderer.Prompt p = r.user("hi");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> r.assistantTurn(List.of(message("user", "hi")), p, "ok"));
            assertTrue(e.getMessage().contains("differ at character 42"), e.getMessage());
            assertTrue(e.getMessage().contains("\"assistant\\n\"") && e.getMessage().contains("\"bot\\nok<|im_end|>\\n\""),
                    e.getMessage());
        }
    }

    @Test
    void kwargsAreStrictlyTyped() {
        Map<String, Object> ok = new LinkedHashMap<>();
        ok.put("enable_thinking", true);
        ok.put("n", 3);
        ok.put("t", 0.5f);
        ok.put("s", "x");
        assertEquals(Map.of("enable_thinking", true, "n", 3L, "t", 0.5, "s", "x"),
                PromptRenderer.checkKwargs(ok, "data.chat_template_kwargs"));
        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("a", null);
        bad.put("b", List.of(1));
        bad.put("c", Map.of("x", 1));
        bad.put("d", Double.NaN);
        bad.put("add_generation_prompt", false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromptRenderer.checkKwargs(bad, "data.chat_template_kwargs"));
        String m = e.getMessage();
        assertTrue(m.startsWith("data.chat_template_kwargs: 'a' is null"), m);
        assertTrue(m.contains("'b' is a list") && m.contains("'c' is a mapping") && m.contains("'d' is the number NaN")
                && m.contains("'add_generation_prompt' is set by semgrpo itself"), m);
    }
}
