package dev.semgrpo.pipeline;

import static dev.semgrpo.model.tokenizer.PromptRenderer.message;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.data.TaskData;
import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.task.Prompts;
import dev.semgrpo.eval.task.TaskConfig;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.data.PromptDataset;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One prompt format: with Qwen3's real tokenizer and chat template, a record gives the same token ids in SFT,
 * GRPO, tau calibration and evaluation, each read through its own config as a user writes it, and SFT trains on
 * the assistant turn as the template writes it.
 */
class PromptParityTest {
    /** Qwen3's tokenizer files, kept once in the model module's test resources. */
    private static final Path QWEN3 = Path.of("..", "model", "src", "test", "resources", "qwen3");
    private static final String SOURCE = "把下面的句子翻译成藏文：今天天气很好。";
    private static final String REFERENCE = "དེ་རིང་གནམ་གཤིས་ཡག་པོ་འདུག";

    @TempDir
    Path dir;

    private Path setUp() throws IOException {
        assertTrue(Files.isRegularFile(QWEN3.resolve("tokenizer.json.gz")), "run from the trainer module: " + QWEN3
                .toAbsolutePath());
        Path tok = Files.createDirectories(dir.resolve("qwen3"));
        try (InputStream gz = new GZIPInputStream(Files.newInputStream(QWEN3.resolve("tokenizer.json.gz")))) {
            Files.copy(gz, tok.resolve("tokenizer.json"));
        }
        Files.copy(QWEN3.resolve("tokenizer_config.json"), tok.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("train.jsonl"), "{\"prompt\": \"" + SOURCE + "\", \"reference\": \""
                + REFERENCE + "\"}\n");
        Files.writeString(dir.resolve("flores.jsonl"), "{\"source\": \"" + SOURCE + "\", \"target\": \"" + REFERENCE
                + "\"}\n");
        String common = "model: {path: qwen3}\ndata: {path: train.jsonl, chat: true}\noptim: {lr: 1.0e-5}\n";
        Files.writeString(dir.resolve("sft.yaml"), "run: {name: sft}\n" + common + "sft: {batch_size: 8}\n");
        Files.writeString(dir.resolve("grpo.yaml"), "run: {name: grpo}\n" + common + "grpo: {num_generations: 4}\n"
                + "rewards: rewards.yaml\n");
        Files.writeString(dir.resolve("rewards.yaml"), "rewards:\n  - {type: chrf}\n");
        Files.writeString(dir.resolve("flores.yaml"), "type: generate\ndata: {path: flores.jsonl}\n"
                + "prompt: {template: \"{source}\", chat: true}\nmetrics: [chrf]\n");
        return tok;
    }

    private Settings settings(String file, boolean grpo, String... set) throws IOException {
        ObjectNode tree = ConfigLoader.tree(dir.resolve(file), List.of(set));
        return Settings.of(ConfigLoader.bind(tree, file), dir, grpo);
    }

    private static PromptDataset.Example first(Settings s, TextTokenizer tok) throws IOException {
        return PromptDataset.load(s.data(), tok, s.run().seed()).at(0);
    }

    /** The evaluation prompt of the task's first example. */
    private static PromptRenderer.Prompt eval(TextTokenizer tok, Path taskFile) throws IOException {
        TaskConfig.Loaded t = TaskConfig.load(taskFile);
        TaskConfig.Data d = t.config().data();
        List<TaskExample> ex = TaskData.read(d.path(), t.config().formatOrDefault(), d.fields(), d.idField(), null,
                t.name());
        Prompts p = new Prompts(t.name(), t.config(), ex, tok);
        return p.prompt(ex.get(0), 0);
    }

    @Test
    void theSameRecordHasTheSameTokenIdsInSftGrpoCalibrationAndEvaluation() throws IOException {
        Path tokDir = setUp();
        try (TextTokenizer tok = TextTokenizer.load(tokDir)) {
            // written out by hand, not through the renderer: Qwen3 with enable_thinking false
            String expectedText = "<|im_start|>user\n" + SOURCE + "<|im_end|>\n<|im_start|>assistant\n"
                    + "<think>\n\n</think>\n\n";
            int[] expected = tok.encodeRaw(expectedText);
            Settings sft = settings("sft.yaml", false);
            Settings grpo = settings("grpo.yaml", true);
            PromptDataset.Example sftEx = first(sft, tok);
            PromptDataset.Example grpoEx = first(grpo, tok);
            List<PromptDataset.Example> cal = Pipeline.calibrationExamples(grpo.data(), tok, 7, 64);
            PromptRenderer.Prompt ev = eval(tok, dir.resolve("flores.yaml"));

            assertEquals(expectedText, sftEx.promptText());
            assertArrayEquals(expected, sftEx.promptIds(), "SFT");
            assertArrayEquals(expected, grpoEx.promptIds(), "GRPO rollouts");
            assertEquals(1, cal.size());
            assertArrayEquals(expected, cal.get(0).promptIds(), "tau calibration");
            assertEquals(expectedText, ev.text());
            assertArrayEquals(expected, ev.ids(), "evaluation");
            assertEquals("<think>\n\n</think>\n\n", tok.decode(Arrays.copyOfRange(expected, expected.length - 4,
                    expected.length), false), "the empty think block is 4 tokens");

            // SFT's target is the assistant turn: the reference, <|im_end|> (eos) and "\n" ...
            int[] im = tok.encodeRaw("<|im_end|>\n");
            int[] ref = tok.encodeRaw(REFERENCE);
            int[] target = Arrays.copyOf(ref, ref.length + im.length);
            System.arraycopy(im, 0, target, ref.length, im.length);
            assertArrayEquals(target, sftEx.completionIds());
            assertEquals(tok.eosIds().iterator().next(), im[0]);
            // ... so prompt + target is the template's own rendering of the finished conversation
            String conversation = tok.applyChatTemplate(
                    List.of(message("user", SOURCE), message("assistant", REFERENCE)), false,
                    Map.of("enable_thinking", false));
            int[] whole = Arrays.copyOf(sftEx.promptIds(), sftEx.promptIds().length + sftEx.completionIds().length);
            System.arraycopy(sftEx.completionIds(), 0, whole, sftEx.promptIds().length, sftEx.completionIds().length);
            assertArrayEquals(tok.encodeRaw(conversation), whole);
        }
    }

    @Test
    void chatTemplateKwargsReachTrainingAndEvaluationAlike() throws IOException {
        Path tokDir = setUp();
        Files.writeString(dir.resolve("flores-thinking.yaml"), Files.readString(dir.resolve("flores.yaml"))
                .replace("chat: true}", "chat: true, chat_template_kwargs: {}}"));
        try (TextTokenizer tok = TextTokenizer.load(tokDir)) {
            int[] dflt = first(settings("grpo.yaml", true), tok).promptIds();
            Settings own = settings("grpo.yaml", true, "data.chat_template_kwargs={}");
            assertEquals(Map.of(), own.data().chatTemplateKwargs());
            PromptDataset.Example ex = first(own, tok);
            assertFalse(Arrays.equals(dflt, ex.promptIds()), "an empty mapping drops the default");
            assertArrayEquals(tok.encodeRaw("<|im_start|>user\n" + SOURCE + "<|im_end|>\n<|im_start|>assistant\n"),
                    ex.promptIds(), "the template's own default (thinking on): no think block in the prompt");
            assertArrayEquals(ex.promptIds(), eval(tok, dir.resolve("flores-thinking.yaml")).ids());
            assertArrayEquals(ex.promptIds(), Pipeline.calibrationExamples(own.data(), tok, 0, 1).get(0).promptIds());
            // the target then carries the think block the template writes in the assistant turn
            assertTrue(tok.decode(first(settings("sft.yaml", false, "data.chat_template_kwargs={}"), tok)
                    .completionIds(), false).startsWith("<think>\n\n</think>\n\n" + REFERENCE));
        }
    }

    @Test
    void aPipelineSetsTheKwargsOnceForEveryTrainingStageCalibrationAndTask() throws IOException {
        Path tokDir = setUp();
        String pipeline = "name: p\noutput_dir: out\nbase_model: qwen3\ncold_start: {config: sft.yaml}\n"
                + "grpo: {config: grpo.yaml}\nstrong_sft: {config: sft.yaml}\neval: {tasks: [flores], tasks_dir: .}\n";
        Files.writeString(dir.resolve("plain.yaml"), pipeline);
        Files.writeString(dir.resolve("thinking.yaml"), pipeline + "chat_template_kwargs: {enable_thinking: true}\n");
        try (TextTokenizer tok = TextTokenizer.load(tokDir)) {
            for (String file : List.of("plain.yaml", "thinking.yaml")) {
                PipelineConfig c = PipelineConfig.load(dir.resolve(file));
                Pipeline p = new Pipeline(dir.resolve(file), c, null);
                p.validate();
                Settings cold = p.stageConfig("cold_start", tokDir).settings();
                Settings grpo = p.stageConfig("grpo", tokDir).settings();
                Settings strong = p.stageConfig("strong_sft", tokDir).settings();
                List<TaskConfig.Loaded> tasks = p.evalTasks();
                Map<String, Object> want = file.equals("plain.yaml") ? Map.of("enable_thinking", false)
                        : Map.of("enable_thinking", true);
                assertEquals(want, cold.data().chatTemplateKwargs(), file);
                assertEquals(want, strong.data().chatTemplateKwargs(), file);
                assertEquals(want, grpo.data().chatTemplateKwargs(), file);
                int[] ids = first(grpo, tok).promptIds();
                assertArrayEquals(ids, first(cold, tok).promptIds(), file);
                assertArrayEquals(ids, Pipeline.calibrationExamples(grpo.data(), tok, 42, 8).get(0).promptIds(), file);
                TaskConfig.Loaded t = tasks.get(0);
                List<TaskExample> ex = TaskData.read(t.config().data().path(), t.config().formatOrDefault(),
                        t.config().data().fields(), null, null, t.name());
                assertArrayEquals(ids, new Prompts(t.name(), t.config(), ex, tok).prompt(ex.get(0), 0).ids(), file);
                String suffix = "<|im_start|>assistant\n" + (file.equals("plain.yaml") ? "<think>\n\n</think>\n\n" : "");
                assertTrue(tok.decode(ids, false).endsWith(suffix), file + ": " + tok.decode(ids, false));
                if (file.equals("thinking.yaml")) {
                    assertEquals(true, t.tree().path("prompt").path("chat_template_kwargs").path("enable_thinking")
                            .asBoolean(false), "the results record the kwargs the task ran with");
                }
            }
        }
        Files.writeString(dir.resolve("bad.yaml"), pipeline + "chat_template_kwargs: {enable_thinking: null}\n");
        IOException e = assertThrows(IOException.class, () -> PipelineConfig.load(dir.resolve("bad.yaml")));
        assertTrue(e.getMessage().contains("bad.yaml: near line ") && e.getMessage().endsWith(
                ": chat_template_kwargs.enable_thinking: found null (or an empty value); write a value, or leave the"
                + " key out for its default"), e.getMessage());
    }

    @Test
    void anSftRecordWhoseAssistantTurnDoesNotExtendItsPromptIsRejectedWithItsLine() throws IOException {
        setUp();
        Path tokDir = dir.resolve("odd");
        ByteLevelTokenizer.write(tokDir);
        // the generation prompt opens an "assistant" turn, but answers are written under another role name
        Files.writeString(tokDir.resolve("chat_template.jinja"), "{%- for m in messages %}{%- if m.role == "
                + "'assistant' %}{{- '<|im_start|>bot\\n' + m.content + '<|im_end|>\\n' }}{%- else %}{{- "
                + "'<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}"
                + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}");
        // one layout per file (messages/reference); the first record renders as the string prompt "hi" would
        Files.writeString(dir.resolve("train.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                + " \"reference\": \"ok\"}\n"
                + "{\"messages\": [{\"role\": \"user\", \"content\": 3}], \"reference\": \"ok\"}\n");
        try (TextTokenizer tok = TextTokenizer.load(tokDir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> first(settings("sft.yaml", false), tok));
            String m = e.getMessage();
            assertTrue(m.startsWith("2 bad records; "), m);
            assertTrue(m.contains("train.jsonl:1: the chat template's rendering with the answer as an assistant turn "
                    + "does not start with the generation prompt: they differ at character 42"), m);
            assertTrue(m.contains("train.jsonl:2: \"messages\"[0] must be an object with exactly a string \"role\""
                    + " and a string \"content\""), m);
        }
    }

    @Test
    void badChatTemplateKwargsAreRejectedByKey() throws IOException {
        setUp();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings("sft.yaml", false, "data.chat_template_kwargs={enable_thinking: [false]}"));
        assertEquals("data.chat_template_kwargs: 'enable_thinking' is a list; values must be strings, booleans or "
                + "finite numbers", e.getMessage());
        Files.writeString(dir.resolve("bad.yaml"), "type: generate\ndata: {path: flores.jsonl}\n"
                + "prompt: {chat: true, chat_template_kwargs: {messages: x}}\nmetrics: [chrf]\n");
        IOException io = assertThrows(IOException.class, () -> TaskConfig.load(dir.resolve("bad.yaml")));
        assertTrue(io.getMessage().contains("bad.yaml") && io.getMessage().contains("prompt.chat_template_kwargs: "
                + "'messages' is set by semgrpo itself"), io.getMessage());
    }
}
