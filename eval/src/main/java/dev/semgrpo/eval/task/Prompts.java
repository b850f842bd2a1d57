package dev.semgrpo.eval.task;

import static dev.semgrpo.model.tokenizer.PromptRenderer.message;

import dev.semgrpo.eval.data.TaskExample;
import dev.semgrpo.eval.task.TaskConfig.Format;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Turns an example into the model's input: the prompt template filled from the example's fields, after
 * {@code few_shot} examples drawn (seed + index, never the example itself) from the few-shot pool, either as plain
 * text joined by the separator or, with {@code chat: true}, as alternating user/assistant turns rendered by the
 * model's chat template (lm-evaluation-harness's {@code --apply_chat_template --fewshot_as_multiturn}).
 */
public final class Prompts {
    private final String task;
    private final String template;
    private final String targetTemplate;
    private final String separator;
    private final boolean chat;
    private final String system;
    private final int fewShot;
    private final long seed;
    private final List<TaskExample> pool;
    private final PromptRenderer renderer;

    /**
     * @param pool few-shot candidates (the task's own examples unless prompt.few_shot_from is set)
     */
    public Prompts(String task, TaskConfig config, List<TaskExample> pool, TextTokenizer tokenizer) {
        TaskConfig.Prompt p = config.prompt() == null
                ? new TaskConfig.Prompt(null, null, null, null, null, null, null, null, null) : config.prompt();
        Format format = config.formatOrDefault();
        this.task = task;
        this.template = p.template() != null ? p.template() : defaultTemplate(config.type(), format);
        this.targetTemplate = p.targetTemplate() != null ? p.targetTemplate() : defaultTarget(format);
        this.separator = p.separator() != null ? p.separator() : "\n\n";
        this.chat = p.chat() != null && p.chat();
        this.system = p.system();
        this.fewShot = p.fewShot() == null ? 0 : p.fewShot();
        this.seed = p.fewShotSeed() == null ? 1234 : p.fewShotSeed();
        this.pool = pool;
        this.renderer = new PromptRenderer(tokenizer, p.chatTemplateKwargs(), "task '" + task
                + "': prompt.chat_template_kwargs");
        if (chat && !tokenizer.hasChatTemplate()) {
            throw new IllegalArgumentException("task '" + task + "' sets prompt.chat: true, but the tokenizer in "
                    + tokenizer.directory() + " has no chat template; set prompt.chat: false or use a chat model");
        }
        if (fewShot > 0 && pool.size() <= fewShot) {
            throw new IllegalArgumentException("task '" + task + "' asks for " + fewShot + " few-shot examples but "
                    + "the pool has only " + pool.size() + " (another example than the one asked is needed); lower "
                    + "prompt.few_shot or set prompt.few_shot_from");
        }
        if (!pool.isEmpty()) {
            fill(template, pool.get(0).vars(), task, "prompt.template"); // fail early on a bad placeholder
        }
    }

    /** The prompt as text (the chat template rendered, with its generation prompt, when chat is on). */
    public String text(TaskExample e, int index) {
        return prompt(e, index).text();
    }

    /**
     * The prompt and its token ids, rendered by {@link PromptRenderer} as training renders its prompts (chat:
     * the template with its generation prompt and {@code prompt.chat_template_kwargs}).
     */
    public PromptRenderer.Prompt prompt(TaskExample e, int index) {
        List<TaskExample> shots = shots(e, index);
        String prompt = fill(template, e.vars(), task, "prompt.template");
        if (!chat) {
            StringBuilder sb = new StringBuilder();
            for (TaskExample s : shots) {
                sb.append(fill(template, s.vars(), task, "prompt.template"))
                        .append(fill(targetTemplate, s.vars(), task, "prompt.target_template")).append(separator);
            }
            return renderer.plain(sb.append(prompt).toString());
        }
        List<Map<String, Object>> messages = new ArrayList<>();
        if (system != null && !system.isBlank()) {
            messages.add(message("system", system));
        }
        for (TaskExample s : shots) {
            messages.add(message("user", fill(template, s.vars(), task, "prompt.template")));
            messages.add(message("assistant", fill(targetTemplate, s.vars(), task, "prompt.target_template").strip()));
        }
        messages.add(message("user", prompt));
        return renderer.chat(messages);
    }

    /** The example's own prompt, the filled template without few-shot examples or chat markup (shown to judges). */
    public String userText(TaskExample e) {
        return fill(template, e.vars(), task, "prompt.template");
    }

    /** Token ids of a prompt text from {@link #text}: chat renders carry their special tokens, plain text gets BOS. */
    public int[] encode(String text) {
        return chat ? renderer.tokenizer().encodeRaw(text) : renderer.tokenizer().encode(text);
    }

    /** The few-shot examples of example {@code index}, drawn with seed + index from the pool, never {@code e}. */
    List<TaskExample> shots(TaskExample e, int index) {
        if (fewShot == 0) {
            return List.of();
        }
        List<TaskExample> candidates = new ArrayList<>(pool.size());
        for (TaskExample p : pool) {
            if (!(p.id().equals(e.id()) && p.vars().equals(e.vars()))) {
                candidates.add(p);
            }
        }
        Collections.shuffle(candidates, new Random(seed + index));
        return candidates.subList(0, Math.min(fewShot, candidates.size()));
    }

    /**
     * Fills {@code {name}} placeholders from {@code vars}; {@code {{} and {@code }}} are literal braces. An unknown
     * name is an error that lists the names there are.
     */
    public static String fill(String template, Map<String, String> vars, String task, String key) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{' && i + 1 < template.length() && template.charAt(i + 1) == '{') {
                out.append('{');
                i += 2;
            } else if (c == '}' && i + 1 < template.length() && template.charAt(i + 1) == '}') {
                out.append('}');
                i += 2;
            } else if (c == '{') {
                int end = template.indexOf('}', i);
                if (end < 0) {
                    throw new IllegalArgumentException("task '" + task + "': " + key + " has an unclosed '{' at "
                            + "character " + i + "; write {{ for a literal brace");
                }
                String name = template.substring(i + 1, end).trim();
                String v = vars.get(name);
                if (v == null) {
                    throw new IllegalArgumentException("task '" + task + "': " + key + " uses {" + name + "}, but "
                            + "the examples have no such field; available: " + new java.util.TreeSet<>(vars.keySet()));
                }
                out.append(v);
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    static String defaultTemplate(TaskConfig.Type type, Format format) {
        return switch (format) {
            case PARALLEL -> "{source}";
            case QA -> "Context: {context}\nQuestion: {question}\nAnswer:";
            case MULTIPLE_CHOICE -> "Question: {question}\nAnswer:";
            case GSM8K -> "Question: {question}\nAnswer:";
            case TEXT -> "{text}";
        };
    }

    static String defaultTarget(Format format) {
        return switch (format) {
            case PARALLEL -> " {target}";
            case QA, MULTIPLE_CHOICE, GSM8K -> " {answer}";
            case TEXT -> "";
        };
    }
}
