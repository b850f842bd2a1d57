package dev.semgrpo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.serve.JsonFields.Unimplemented;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code POST /v1/chat/completions} body, checked field by field (wire.md).
 *
 * @param model base model or loaded adapter name
 * @param messages {role, content} maps for the chat template, roles system, user or assistant
 * @param maxTokens new tokens per sample at most; null = what the context and the server's limits leave
 * @param logprobs each token's log-prob comes back
 * @param topLogprobs alternatives per token (0..20; needs logprobs)
 * @param chatTemplateKwargs extra chat-template variables (vLLM's chat_template_kwargs); null = semgrpo's default
 *     ({@link PromptRenderer#DEFAULT_KWARGS})
 */
record ChatRequest(String model, List<Map<String, Object>> messages, Sampling sampling, Integer maxTokens,
        boolean logprobs, int topLogprobs, Map<String, Object> chatTemplateKwargs) {
    static final String PATH = "/v1/chat/completions";
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");
    private static final Set<String> FIELDS;

    static {
        Set<String> f = new HashSet<>(Sampling.FIELDS);
        f.addAll(List.of("model", "messages", "max_tokens", "max_completion_tokens", "logprobs", "top_logprobs",
                "stream", "chat_template_kwargs"));
        FIELDS = Set.copyOf(f);
    }

    /** OpenAI and vLLM fields semgrpo does not implement: allowed only at their defaults. */
    private static final List<Unimplemented> UNIMPLEMENTED = List.of(
            Unimplemented.number("frequency_penalty", 0), Unimplemented.number("presence_penalty", 0),
            Unimplemented.empty("logit_bias"), Unimplemented.anyString("user"), Unimplemented.empty("stream_options"),
            Unimplemented.empty("tools"), Unimplemented.string("tool_choice", "none"),
            Unimplemented.bool("parallel_tool_calls", true),
            new Unimplemented("response_format", v -> v.isObject() && v.size() == 1
                    && "text".equals(v.path("type").asText(null)), "{\"type\": \"text\"}"),
            Unimplemented.bool("ignore_eos", false), Unimplemented.number("min_tokens", 0),
            Unimplemented.bool("use_beam_search", false), Unimplemented.number("length_penalty", 1),
            Unimplemented.bool("include_stop_str_in_output", false), Unimplemented.bool("skip_special_tokens", true),
            Unimplemented.bool("spaces_between_special_tokens", true), Unimplemented.empty("stop_token_ids"),
            Unimplemented.empty("bad_words"), Unimplemented.bool("add_generation_prompt", true),
            Unimplemented.bool("continue_final_message", false), Unimplemented.bool("echo", false),
            Unimplemented.bool("add_special_tokens", false), Unimplemented.empty("documents"),
            Unimplemented.empty("chat_template"), Unimplemented.bool("store", false), Unimplemented.empty("metadata"),
            new Unimplemented("modalities", v -> v.isArray() && v.size() == 1 && "text".equals(v.get(0).asText(null)),
                    "[\"text\"]"),
            Unimplemented.empty("audio"), Unimplemented.empty("prediction"), Unimplemented.empty("reasoning_effort"),
            Unimplemented.string("service_tier", "auto"), Unimplemented.empty("prompt_logprobs"),
            Unimplemented.number("priority", 0), Unimplemented.empty("guided_json"),
            Unimplemented.empty("guided_regex"), Unimplemented.empty("guided_choice"),
            Unimplemented.empty("guided_grammar"));

    static ChatRequest parse(JsonNode body) {
        JsonFields f = JsonFields.generationRequest(body, PATH, FIELDS, UNIMPLEMENTED);
        String model = f.requiredString("model");
        List<Map<String, Object>> messages = messages(f.get("messages"));
        Sampling sampling = Sampling.read(f);
        Integer maxTokens = f.integer("max_tokens", null, 1, Integer.MAX_VALUE);
        Integer maxCompletion = f.integer("max_completion_tokens", null, 1, Integer.MAX_VALUE);
        if (maxTokens != null && maxCompletion != null && !maxTokens.equals(maxCompletion)) {
            throw ApiError.badRequest("max_completion_tokens", "max_completion_tokens=" + maxCompletion + " and"
                    + " max_tokens=" + maxTokens + " disagree; send one of them");
        }
        boolean logprobs = f.bool("logprobs", false);
        int top = f.integer("top_logprobs", 0, 0, CompletionRequest.MAX_LOGPROBS);
        if (top > 0 && !logprobs) {
            throw ApiError.badRequest("top_logprobs", "top_logprobs=" + top + " needs logprobs=true");
        }
        return new ChatRequest(model, messages, sampling, maxCompletion != null ? maxCompletion : maxTokens, logprobs,
                top, kwargs(f.get("chat_template_kwargs")));
    }

    /** {@code messages}: a non-empty list of {role, content}, content a string or a list of text parts. */
    private static List<Map<String, Object>> messages(JsonNode list) {
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw ApiError.badRequest("messages", "'messages' must be a non-empty list of {\"role\", \"content\"}"
                    + " objects, found " + JsonFields.kind(list));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiError.badRequest("messages", at + " must be an object, found " + JsonFields.kind(m));
            }
            for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!key.equals("role") && !key.equals("content")) {
                    throw ApiError.badRequest("messages", at + " has the field '" + key + "', which semgrpo serve"
                            + " does not implement; a message holds only role and content");
                }
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.textValue())) {
                throw ApiError.badRequest("messages", at + ".role must be one of " + new java.util.TreeSet<>(ROLES)
                        + ", found " + JsonFields.kind(role));
            }
            out.add(PromptRenderer.message(role.textValue(), content(m.get("content"), at)));
        }
        return out;
    }

    private static String content(JsonNode c, String at) {
        if (c != null && c.isTextual()) {
            return c.textValue();
        }
        if (c != null && c.isArray()) {
            StringBuilder text = new StringBuilder();
            for (int j = 0; j < c.size(); j++) {
                JsonNode part = c.get(j);
                if (!part.isObject() || part.size() != 2 || !"text".equals(part.path("type").asText(null))
                        || !part.path("text").isTextual()) {
                    throw ApiError.badRequest("messages", at + ".content[" + j + "] must be {\"type\": \"text\","
                            + " \"text\": string} (only text parts are supported), found " + JsonFields.show(part));
                }
                text.append(part.get("text").textValue());
            }
            return text.toString();
        }
        throw ApiError.badRequest("messages", at + ".content must be a string or a list of text parts, found "
                + JsonFields.kind(c));
    }

    private static Map<String, Object> kwargs(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            throw ApiError.badRequest("chat_template_kwargs", "'chat_template_kwargs' must be an object, found "
                    + JsonFields.kind(node));
        }
        Map<String, Object> raw = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            raw.put(e.getKey(), v.isTextual() ? v.textValue() : v.isBoolean() ? v.booleanValue()
                    : v.isIntegralNumber() && v.canConvertToLong() ? (Object) v.longValue()
                    : v.isNumber() ? (Object) v.doubleValue() : v.isNull() ? null : v.isArray() ? List.of() : Map.of());
        }
        try {
            return PromptRenderer.checkKwargs(raw, "chat_template_kwargs");
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("chat_template_kwargs", e.getMessage());
        }
    }
}
