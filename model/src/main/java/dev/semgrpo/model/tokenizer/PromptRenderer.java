package dev.semgrpo.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.Jsonl;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one place prompts become token ids, for SFT, GRPO, tau calibration, evaluation and {@code semgrpo generate}:
 * plain text (with a BOS when the tokenizer asks for one), or chat messages rendered by the model's chat template
 * with the generation prompt and {@code chat_template_kwargs} (default {@link #DEFAULT_KWARGS}). It also gives the
 * SFT target of a reference: with a chat template, what the template writes for the assistant turn after the
 * generation prompt (TRL's conversational prompt-completion data); without one, the reference and an eos.
 */
public final class PromptRenderer {
    /** The roles a message of a data file may have. */
    private static final List<String> ROLES = List.of("system", "user", "assistant");
    /** Strings that read as booleans in YAML 1.1, rejected as chat-template values (every non-empty string is true). */
    private static final Set<String> BOOLEAN_WORDS = Set.of("true", "false", "yes", "no", "on", "off");

    /**
     * The default {@code chat_template_kwargs}: Qwen3's templates then write an empty think block after the
     * generation prompt (the paper's tasks are direct translation and generation).
     */
    public static final Map<String, Object> DEFAULT_KWARGS = Map.of("enable_thinking", false);

    /** Names the renderer sets itself; a kwarg may not replace them. */
    private static final Set<String> RESERVED = Set.of("messages", "add_generation_prompt", "bos_token", "eos_token");

    /**
     * A rendered prompt.
     *
     * @param text what the model sees, chat markup included
     * @param ids its token ids
     */
    public record Prompt(String text, int[] ids) {
    }

    private final TextTokenizer tokenizer;
    private final Map<String, Object> kwargs;

    /**
     * @param kwargs extra variables of the chat template; null means {@link #DEFAULT_KWARGS}, a mapping given
     *     replaces the default (an empty one renders the template's own defaults)
     * @param key where the kwargs were set, for errors (e.g. {@code data.chat_template_kwargs})
     */
    public PromptRenderer(TextTokenizer tokenizer, Map<String, ?> kwargs, String key) {
        this.tokenizer = tokenizer;
        this.kwargs = kwargs == null ? DEFAULT_KWARGS : checkKwargs(kwargs, key);
    }

    /**
     * A checked, unmodifiable copy of {@code kwargs}: keys are non-blank names other than the ones the renderer
     * sets, values are strings (not "true", "false", "yes", "no", "on" or "off", which a template would read as
     * true), booleans or finite numbers (integers become longs, as the template sees them).
     */
    public static Map<String, Object> checkKwargs(Map<String, ?> kwargs, String key) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, ?> e : kwargs.entrySet()) {
            String name = e.getKey();
            Object v = e.getValue();
            if (name == null || name.isBlank()) {
                errors.add("a key is empty");
            } else if (RESERVED.contains(name)) {
                errors.add("'" + name + "' is set by semgrpo itself (" + String.join(", ", RESERVED.stream().sorted()
                        .toList()) + " are); remove it");
            } else if (v instanceof String str && BOOLEAN_WORDS.contains(str.toLowerCase(Locale.ROOT))) {
                errors.add("'" + name + "' is the string '" + str + "', which a template reads as true (any non-empty"
                        + " string is); write true or false without quotes");
            } else if (v instanceof String || v instanceof Boolean) {
                out.put(name, v);
            } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
                out.put(name, ((Number) v).longValue());
            } else if ((v instanceof Double || v instanceof Float) && Double.isFinite(((Number) v).doubleValue())) {
                out.put(name, ((Number) v).doubleValue());
            } else {
                errors.add("'" + name + "' is " + describe(v) + "; values must be strings, booleans or finite numbers");
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(key + ": " + String.join("; ", errors.subList(0,
                    Math.min(5, errors.size()))) + (errors.size() > 5 ? " (and " + (errors.size() - 5) + " more)" : ""));
        }
        return Collections.unmodifiableMap(out);
    }

    private static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map<?, ?>) {
            return "a mapping";
        }
        if (v instanceof List<?>) {
            return "a list";
        }
        if (v instanceof Number n) {
            return "the number " + n + " (" + v.getClass().getSimpleName() + ")";
        }
        return "a " + v.getClass().getSimpleName();
    }

    /** The chat template's extra variables in use. */
    public Map<String, Object> kwargs() {
        return kwargs;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /** A plain-text prompt: the text as is, with a BOS when tokenizer_config.json asks for one. */
    public Prompt plain(String text) {
        return new Prompt(text, tokenizer.encode(text));
    }

    /** A single user message through the chat template, with the generation prompt. */
    public Prompt user(String content) {
        return chat(List.of(message("user", content)));
    }

    /**
     * Messages (maps with role and content) through the chat template, with the generation prompt; the ids carry
     * the template's special tokens and no added BOS.
     *
     * @throws IllegalStateException when the tokenizer has no chat template
     */
    public Prompt chat(List<Map<String, Object>> messages) {
        String text = tokenizer.applyChatTemplate(messages, true, kwargs);
        return new Prompt(text, tokenizer.encodeRaw(text));
    }

    /** The SFT target of a plain prompt: the reference's tokens and the first eos id (the pad id if none). */
    public int[] plainCompletion(String reference) {
        int[] ref = tokenizer.encodeRaw(reference);
        int[] out = Arrays.copyOf(ref, ref.length + 1);
        out[ref.length] = tokenizer.eosIds().isEmpty() ? tokenizer.padId() : tokenizer.eosIds().iterator().next();
        return out;
    }

    /**
     * The SFT target of a chat prompt, as TRL builds it for conversational prompt-completion data: the template
     * rendered over {@code messages} plus an assistant turn holding {@code reference} (no generation prompt) must
     * start with {@code prompt} (from {@link #chat} over the same messages), in text and in tokens; the target is
     * the rest, e.g. {@code reference<|im_end|>\n} for Qwen3 with {@code enable_thinking: false}.
     *
     * @throws IllegalArgumentException when the assistant turn does not extend the prompt, with what differed
     */
    public int[] assistantTurn(List<Map<String, Object>> messages, Prompt prompt, String reference) {
        List<Map<String, Object>> all = new ArrayList<>(messages);
        all.add(message("assistant", reference));
        String full = tokenizer.applyChatTemplate(all, false, kwargs);
        String p = prompt.text();
        if (!full.startsWith(p)) {
            int at = 0;
            while (at < Math.min(full.length(), p.length()) && full.charAt(at) == p.charAt(at)) {
                at++;
            }
            throw new IllegalArgumentException("the chat template's rendering with the answer as an assistant turn "
                    + "does not start with the generation prompt: they differ at character " + at + " (prompt: "
                    + snippet(p, at) + ", with the answer: " + snippet(full, at) + "); the template writes the "
                    + "conversation differently once an answer follows (chat_template_kwargs in use: " + kwargs
                    + "), so the answer cannot be trained as the continuation of the prompt");
        }
        int[] ids = tokenizer.encodeRaw(full);
        int[] pids = prompt.ids();
        for (int i = 0; i < pids.length; i++) {
            if (i >= ids.length || ids[i] != pids[i]) {
                throw new IllegalArgumentException("the prompt's tokens are not a prefix of the prompt + answer "
                        + "tokens: token " + i + " is " + pids[i] + " " + quote(tokenizer.decode(new int[] {pids[i]},
                                false)) + " in the prompt but " + (i >= ids.length ? "missing" : ids[i] + " "
                                + quote(tokenizer.decode(new int[] {ids[i]}, false))) + " with the answer (the "
                        + "answer's first characters merge with the prompt's last; check the answer's leading "
                        + "whitespace)");
            }
        }
        if (ids.length == pids.length) {
            throw new IllegalArgumentException("the chat template writes nothing for an assistant turn after the "
                    + "generation prompt, so there is no target to train on");
        }
        return Arrays.copyOfRange(ids, pids.length, ids.length);
    }

    /** A chat message: a mutable map with {@code role} then {@code content}, as the templates read it. */
    public static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    /**
     * The chat messages of a data record (training data, {@code semgrpo generate} prompts): a non-empty list of
     * {@code {role, content}} objects with string values, roles system, user or assistant, no other keys, and at
     * least one user message with content (a prompt that would render empty is an error, not an empty prompt).
     */
    public static List<Map<String, Object>> messages(JsonNode list) {
        return messages(list, "messages");
    }

    /** {@link #messages(JsonNode)} of the field {@code field} (e.g. a conversational {@code prompt}), for errors. */
    public static List<Map<String, Object>> messages(JsonNode list, String field) {
        String name = "\"" + field + "\"";
        if (!list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException(name + " must be a non-empty list of {\"role\", \"content\"}"
                    + " objects, found " + Jsonl.brief(list));
        }
        List<Map<String, Object>> msgs = new ArrayList<>();
        boolean user = false;
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String at = name + "[" + i + "]";
            if (!m.isObject() || m.size() != 2 || !m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new IllegalArgumentException(at + " must be an object with exactly a string \"role\" and a"
                        + " string \"content\", found " + Jsonl.brief(m));
            }
            String role = m.get("role").asText();
            if (!ROLES.contains(role)) {
                throw new IllegalArgumentException(at + ".role must be one of " + ROLES + ", found '" + role + "'");
            }
            user |= role.equals("user") && !m.get("content").asText().isBlank();
            msgs.add(message(role, m.get("content").asText()));
        }
        if (!user) {
            throw new IllegalArgumentException(name + " needs a user message with non-blank content, found "
                    + Jsonl.brief(list));
        }
        return msgs;
    }

    /** Up to 24 characters of {@code s} from {@code at}, quoted with escapes; "(end)" past the end. */
    private static String snippet(String s, int at) {
        if (at >= s.length()) {
            return "(end of text)";
        }
        String part = s.substring(at, Math.min(s.length(), at + 24));
        return quote(part) + (at + 24 < s.length() ? "..." : "");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
                .replace("\"", "\\\"") + "\"";
    }
}
