package dev.semgrpo.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.trainer.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TRL's dataset layouts and semgrpo's own give the same examples for the same content; anything else is named. */
class DataLayoutTest {
    /** Two records' content: a prompt and its answer. */
    private static final String[][] CONTENT = {{"Say hello", "hello hello"}, {"Count: 1 2", "3 4"}};

    @TempDir
    Path dir;
    private TextTokenizer tok;

    @BeforeEach
    void tokenizer() throws IOException {
        ByteLevelTokenizer.write(dir.resolve("tok"));
        tok = TextTokenizer.load(dir.resolve("tok"));
    }

    private static String user(String c) {
        return "{\"role\": \"user\", \"content\": \"" + c + "\"}";
    }

    private static String assistant(String c) {
        return "{\"role\": \"assistant\", \"content\": \"" + c + "\"}";
    }

    /** The content in every layout, keyed by the layout it must be detected as; each record also has an "id". */
    private static Map<DataLayout, String> files() {
        Map<DataLayout, StringBuilder> f = new LinkedHashMap<>();
        for (DataLayout l : DataLayout.values()) {
            f.put(l, new StringBuilder());
        }
        int i = 0;
        for (String[] c : CONTENT) {
            String p = c[0];
            String a = c[1];
            String id = ", \"id\": \"r" + i++ + "\"}\n";
            f.get(DataLayout.PROMPT_REFERENCE).append("{\"prompt\": \"" + p + "\", \"reference\": \"" + a + "\"" + id);
            f.get(DataLayout.CONVERSATIONAL_PROMPT_REFERENCE).append("{\"prompt\": [" + user(p) + "], \"reference\": \""
                    + a + "\"" + id);
            f.get(DataLayout.MESSAGES_REFERENCE).append("{\"messages\": [" + user(p) + "], \"reference\": \"" + a + "\""
                    + id);
            f.get(DataLayout.PROMPT_COMPLETION).append("{\"prompt\": \"" + p + "\", \"completion\": \"" + a + "\""
                    + id);
            f.get(DataLayout.CONVERSATIONAL_PROMPT_COMPLETION).append("{\"prompt\": [" + user(p) + "],"
                    + " \"completion\": [" + assistant(a) + "]" + id);
            f.get(DataLayout.MESSAGES).append("{\"messages\": [" + user(p) + ", " + assistant(a) + "]" + id);
        }
        Map<DataLayout, String> out = new LinkedHashMap<>();
        f.forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }

    private PromptDataset load(String name, String text, boolean chat, String promptField, String referenceField)
            throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return PromptDataset.load(new Settings.Data(p, promptField, referenceField, chat, 512, null, false,
                PromptRenderer.DEFAULT_KWARGS), tok, 0);
    }

    private PromptDataset load(String name, String text) throws IOException {
        return load(name, text, true, "prompt", "reference");
    }

    @Test
    void everyLayoutRendersTheSamePromptsAndReferences() throws IOException {
        PromptDataset base = load("base.jsonl", files().get(DataLayout.PROMPT_REFERENCE));
        assertTrue(base.at(0).promptText().contains("<|im_start|>user\nSay hello<|im_end|>"), base.at(0).promptText());
        for (Map.Entry<DataLayout, String> f : files().entrySet()) {
            PromptDataset d = load(f.getKey().name() + ".jsonl", f.getValue());
            assertEquals(f.getKey(), d.layout());
            assertEquals(CONTENT.length, d.size());
            for (int i = 0; i < CONTENT.length; i++) {
                PromptDataset.Example e = d.at(i);
                PromptDataset.Example b = base.at(i);
                String what = f.getKey() + " record " + i;
                assertEquals(b.promptText(), e.promptText(), what);
                assertArrayEquals(b.promptIds(), e.promptIds(), what);
                assertEquals(CONTENT[i][1], e.reference(), what);
                assertArrayEquals(b.completionIds(), e.completionIds(), what);
                assertEquals(Map.of("id", "r" + i), e.extras(), what + ": the fields the layout does not read");
            }
        }
    }

    @Test
    void stringLayoutsFollowDataChatAndOtherFieldNamesMapOntoPromptReference() throws IOException {
        PromptDataset plain = load("p.jsonl", files().get(DataLayout.PROMPT_REFERENCE), false, "prompt", "reference");
        PromptDataset pc = load("pc.jsonl", files().get(DataLayout.PROMPT_COMPLETION), false, "prompt", "reference");
        assertEquals("Say hello", plain.at(0).promptText());
        assertArrayEquals(plain.at(0).promptIds(), pc.at(0).promptIds());
        assertArrayEquals(plain.at(0).completionIds(), pc.at(0).completionIds());
        PromptDataset chat = load("c.jsonl", files().get(DataLayout.PROMPT_REFERENCE));
        assertNotEquals(chat.at(0).promptText(), plain.at(0).promptText(), "data.chat renders string prompts");
        PromptDataset custom = load("qa.jsonl",
                "{\"question\": \"Say hello\", \"answer\": \"hello hello\", \"n\": 3}\n", true, "question", "answer");
        assertEquals(DataLayout.PROMPT_REFERENCE, custom.layout());
        assertArrayEquals(chat.at(0).promptIds(), custom.at(0).promptIds());
        assertEquals("hello hello", custom.at(0).reference());
        assertEquals("3", custom.at(0).extras().get("n").toString(), "a number stays a JSON value for rewards");
    }

    private String error(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load("bad.jsonl", text));
        return e.getMessage();
    }

    @Test
    void anUnknownLayoutListsTheAcceptedOnesAndTheMapping() {
        String m = error("{\"question\": \"Say hello\", \"answer\": \"hello hello\"}\n");
        assertTrue(m.contains(dir.resolve("bad.jsonl") + ":1: has no \"prompt\" or \"messages\" (its fields: question,"
                + " answer)"), m);
        for (DataLayout l : DataLayout.values()) {
            assertTrue(m.contains("\n    " + l.label() + ": {"), l + ": " + m);
        }
        assertTrue(m.contains("--set data.prompt_field=question data.reference_field=answer"), m);
        m = error("{\"prompt\": \"Say hello\", \"answer\": \"hello hello\"}\n");
        assertTrue(m.contains(":1: has \"prompt\" but neither \"reference\" nor \"completion\""), m);
        m = error("{\"prompt\": \"p\", \"completion\": \"c\", \"reference\": \"r\"}\n");
        assertTrue(m.contains(":1: has both \"reference\" and \"completion\""), m);
        m = error("{\"prompt\": 3, \"completion\": \"c\"}\n");
        assertTrue(m.contains(":1: \"prompt\" must be a string or a list of chat messages, found number"), m);
    }

    @Test
    void aRecordWithAnotherLayoutThanTheFirstNamesItsLine() {
        String m = error("{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\", \"completion\": \"b\"}\n"
                + "{\"prompt\": \"a\", \"reference\": \"b\"}\n"
                + "{\"prompt\": [" + user("a") + "], \"completion\": \"b\"}\n");
        assertTrue(m.startsWith("2 bad records;"), m);
        assertTrue(m.contains(dir.resolve("bad.jsonl") + ":3: has the layout prompt/reference, but the file's first"
                + " record (line 1) has prompt-completion (TRL standard)"), m);
        assertTrue(m.contains(":4: has the layout prompt-completion (TRL conversational)"), m);
        assertTrue(!m.contains("Accepted layouts"), "every record has a layout: " + m);
    }

    @Test
    void trlConversationalRecordsAreCheckedByField() {
        String m = error("{\"messages\": [" + user("a") + ", " + assistant("b") + "]}\n{\"messages\": [" + user("a")
                + "]}\n");
        assertTrue(m.contains(":2: \"messages\" without a \"reference\" must end with the assistant's answer"), m);
        m = error("{\"prompt\": [" + user("a") + "], \"completion\": [" + assistant("b") + ", " + assistant("c")
                + "]}\n{\"prompt\": [" + user("a") + "], \"completion\": [" + user("b") + "]}\n{\"prompt\": [{\"role\":"
                + " \"user\"}], \"completion\": [" + assistant("b") + "]}\n");
        assertTrue(m.startsWith("3 bad records;"), m);
        assertTrue(m.contains(":1: \"completion\" must be a list of one {\"role\": \"assistant\""), m);
        assertTrue(m.contains(":2: \"completion\" must be a list of one"), m);
        assertTrue(m.contains(":3: \"prompt\"[0] must be an object with exactly a string \"role\""), m);
        m = error("{\"messages\": [" + user("a") + "], \"completion\": \"b\"}\n");
        assertTrue(m.contains(":1: has \"messages\" and \"completion\""), m);
    }

    @Test
    void extraFieldsAreTheOnesTheLayoutDoesNotRead() {
        assertEquals(List.of("messages"), DataLayout.MESSAGES.fields("prompt", "reference"));
        assertEquals(List.of("q", "completion"), DataLayout.PROMPT_COMPLETION.fields("q", "reference"));
    }
}
