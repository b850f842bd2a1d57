package dev.semgrpo.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.FinishReason;
import dev.semgrpo.model.generate.LogProbScorer.SequenceLogprobs;
import dev.semgrpo.model.generate.TopLogprobs;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The JSON bodies of completions and chat completions (wire.md): choices ordered prompt by prompt, n per prompt,
 * log-probs in OpenAI's two layouts, usage. Log-probs of filtered-out tokens ({@code -inf}) are written as -9999.0,
 * as vLLM writes them, since JSON has no infinities.
 */
final class Responses {
    static final ObjectMapper JSON = new ObjectMapper();
    /** What vLLM writes for a log-prob of minus infinity. */
    static final float FLOOR = -9999f;

    private final TokenText tokens;

    Responses(TokenText tokens) {
        this.tokens = tokens;
    }

    /**
     * A text completion response.
     *
     * @param promptIds token ids of each prompt
     * @param promptTexts each prompt's text (for echo)
     */
    ObjectNode completion(String model, CompletionRequest req, List<int[]> promptIds, List<String> promptTexts,
            JobResult result) {
        ObjectNode root = header("cmpl-", "text_completion", model);
        ArrayNode choices = root.putArray("choices");
        long promptTokens = 0;
        long completionTokens = 0;
        int n = req.sampling().n();
        for (int i = 0; i < promptIds.size(); i++) {
            promptTokens += promptIds.get(i).length;
            List<Completion> group = result.groups().get(i);
            for (int s = 0; s < n; s++) {
                Completion c = group.isEmpty() ? null : group.get(s);
                int[] ids = c == null ? new int[0] : c.tokenIds();
                completionTokens += ids.length;
                ObjectNode choice = choices.addObject();
                choice.put("index", i * n + s);
                String text = c == null ? "" : c.text();
                choice.put("text", req.echo() ? promptTexts.get(i) + text : text);
                if (req.logprobs() == null) {
                    choice.putNull("logprobs");
                } else {
                    choice.set("logprobs", completionLogprobs(req, promptIds.get(i),
                            result.prompts() == null ? null : result.prompts().get(i), c));
                }
                choice.put("finish_reason", c == null ? FinishReason.LENGTH.label() : c.finishReason().label());
                if (c == null || c.stopString() == null) {
                    choice.putNull("stop_reason");
                } else {
                    choice.put("stop_reason", c.stopString());
                }
                if (req.returnTokenIds()) {
                    ints(choice.putArray("token_ids"), ids);
                    ints(choice.putArray("prompt_token_ids"), promptIds.get(i));
                }
            }
        }
        usage(root, promptTokens, completionTokens);
        return root;
    }

    /** {"tokens","token_logprobs","top_logprobs","text_offset"}: the prompt's tokens first with echo. */
    private ObjectNode completionLogprobs(CompletionRequest req, int[] prompt, SequenceLogprobs promptLp, Completion c) {
        int k = req.logprobs();
        boolean asIds = req.tokensAsIds();
        ObjectNode lp = JSON.createObjectNode();
        ArrayNode toks = lp.putArray("tokens");
        ArrayNode values = lp.putArray("token_logprobs");
        ArrayNode top = k > 0 ? lp.putArray("top_logprobs") : null;
        if (k == 0) {
            lp.putNull("top_logprobs");
        }
        ArrayNode offsets = lp.putArray("text_offset");
        int offset = 0;
        if (req.echo()) {
            for (int t = 0; t < prompt.length; t++) {
                String tok = tokens.of(prompt[t], asIds);
                toks.add(tok);
                offsets.add(offset);
                offset += tok.codePointCount(0, tok.length());
                if (t == 0) {
                    values.addNull();
                    if (top != null) {
                        top.addNull();
                    }
                } else {
                    float v = promptLp.logprobs()[t - 1];
                    values.add(floor(v));
                    if (top != null) {
                        top.add(topMap(prompt[t], v, promptLp.top().get(t - 1), k, asIds));
                    }
                }
            }
        }
        if (c != null) {
            for (int t = 0; t < c.tokenIds().length; t++) {
                String tok = tokens.of(c.tokenIds()[t], asIds);
                toks.add(tok);
                offsets.add(offset);
                offset += tok.codePointCount(0, tok.length());
                values.add(floor(c.logprobs()[t]));
                if (top != null) {
                    top.add(topMap(c.tokenIds()[t], c.logprobs()[t], c.topLogprobs().get(t), k, asIds));
                }
            }
        }
        return lp;
    }

    /** {token: logprob}: the chosen token, then the k most likely (a token already listed is not repeated). */
    private ObjectNode topMap(int chosen, float chosenLp, TopLogprobs alternatives, int k, boolean asIds) {
        Map<String, Float> m = new LinkedHashMap<>();
        m.put(tokens.of(chosen, asIds), floor(chosenLp));
        for (int j = 0; j < k; j++) {
            m.putIfAbsent(tokens.of(alternatives.ids()[j], asIds), floor(alternatives.logprobs()[j]));
        }
        ObjectNode o = JSON.createObjectNode();
        m.forEach(o::put);
        return o;
    }

    /** A chat completion response over one rendered prompt. */
    ObjectNode chat(String model, ChatRequest req, int[] prompt, JobResult result) {
        ObjectNode root = header("chatcmpl-", "chat.completion", model);
        ArrayNode choices = root.putArray("choices");
        long completionTokens = 0;
        List<Completion> group = result.groups().get(0);
        for (int s = 0; s < group.size(); s++) {
            Completion c = group.get(s);
            completionTokens += c.tokenIds().length;
            ObjectNode choice = choices.addObject();
            choice.put("index", s);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", c.text());
            if (!req.logprobs()) {
                choice.putNull("logprobs");
            } else {
                ArrayNode content = choice.putObject("logprobs").putArray("content");
                for (int t = 0; t < c.tokenIds().length; t++) {
                    ObjectNode entry = tokenEntry(content.addObject(), c.tokenIds()[t], c.logprobs()[t]);
                    ArrayNode top = entry.putArray("top_logprobs");
                    for (int j = 0; j < req.topLogprobs(); j++) {
                        TopLogprobs alt = c.topLogprobs().get(t);
                        tokenEntry(top.addObject(), alt.ids()[j], alt.logprobs()[j]);
                    }
                }
            }
            choice.put("finish_reason", c.finishReason().label());
            if (c.stopString() == null) {
                choice.putNull("stop_reason");
            } else {
                choice.put("stop_reason", c.stopString());
            }
        }
        usage(root, prompt.length, completionTokens);
        return root;
    }

    /** {"token","logprob","bytes"} into {@code o}. */
    private ObjectNode tokenEntry(ObjectNode o, int id, float logprob) {
        String tok = tokens.of(id, false);
        o.put("token", tok);
        o.put("logprob", floor(logprob));
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : tok.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
        return o;
    }

    private static ObjectNode header(String idPrefix, String object, String model) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", idPrefix + UUID.randomUUID().toString().replace("-", ""));
        root.put("object", object);
        root.put("created", System.currentTimeMillis() / 1000);
        root.put("model", model);
        return root;
    }

    private static void usage(ObjectNode root, long promptTokens, long completionTokens) {
        ObjectNode u = root.putObject("usage");
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", promptTokens + completionTokens);
    }

    private static void ints(ArrayNode a, int[] values) {
        for (int v : values) {
            a.add(v);
        }
    }

    /** A log-prob JSON can carry: -inf (a filtered-out token) as {@link #FLOOR}, as vLLM does. */
    static float floor(float logprob) {
        return Float.isNaN(logprob) ? FLOOR : Math.max(logprob, FLOOR);
    }
}
