package dev.semgrpo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.serve.JsonFields.Unimplemented;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@code POST /v1/completions} body, checked field by field (wire.md).
 *
 * @param model base model or loaded adapter name
 * @param prompts one or more prompts, each text or token ids, never empty
 * @param maxTokens new tokens per sample at most (0 only with echo)
 * @param logprobs null, or the number of alternatives (0..20) beside each token's log-prob
 * @param echo the prompt comes back before the completion (text and log-probs)
 * @param tokensAsIds logprobs.tokens read {@code token_id:<id>}
 * @param returnTokenIds choices carry {@code token_ids} and {@code prompt_token_ids}
 */
record CompletionRequest(String model, List<PromptInput> prompts, Sampling sampling, int maxTokens, Integer logprobs,
        boolean echo, boolean tokensAsIds, boolean returnTokenIds) {
    static final String PATH = "/v1/completions";
    static final int MAX_LOGPROBS = 20;

    private static final Set<String> FIELDS;

    static {
        Set<String> f = new HashSet<>(Sampling.FIELDS);
        f.addAll(List.of("model", "prompt", "max_tokens", "logprobs", "echo", "return_tokens_as_token_ids",
                "return_token_ids", "stream", "best_of"));
        FIELDS = Set.copyOf(f);
    }

    /** OpenAI and vLLM fields semgrpo does not implement: allowed only at their defaults. */
    private static final List<Unimplemented> UNIMPLEMENTED = List.of(
            Unimplemented.number("frequency_penalty", 0), Unimplemented.number("presence_penalty", 0),
            Unimplemented.empty("logit_bias"), Unimplemented.string("suffix", ""), Unimplemented.anyString("user"),
            Unimplemented.empty("stream_options"), Unimplemented.bool("ignore_eos", false),
            Unimplemented.number("min_tokens", 0), Unimplemented.bool("use_beam_search", false),
            Unimplemented.number("length_penalty", 1), Unimplemented.bool("include_stop_str_in_output", false),
            Unimplemented.bool("skip_special_tokens", true), Unimplemented.bool("spaces_between_special_tokens", true),
            Unimplemented.empty("prompt_logprobs"), Unimplemented.empty("truncate_prompt_tokens"),
            Unimplemented.empty("allowed_token_ids"), Unimplemented.empty("bad_words"),
            Unimplemented.empty("stop_token_ids"), Unimplemented.empty("guided_json"),
            Unimplemented.empty("guided_regex"), Unimplemented.empty("guided_choice"),
            Unimplemented.empty("guided_grammar"), Unimplemented.empty("response_format"),
            Unimplemented.bool("add_special_tokens", true), Unimplemented.number("priority", 0));

    /** A prompt as sent: text to tokenize, or token ids. */
    record PromptInput(String text, int[] ids) {
    }

    static CompletionRequest parse(JsonNode body) {
        JsonFields f = JsonFields.generationRequest(body, PATH, FIELDS, UNIMPLEMENTED);
        String model = f.requiredString("model");
        List<PromptInput> prompts = prompts(f.get("prompt"));
        Sampling sampling = Sampling.read(f);
        Integer bestOf = f.integer("best_of", null, 1, Integer.MAX_VALUE);
        if (bestOf != null && bestOf != 1 && bestOf != sampling.n()) {
            throw ApiError.badRequest("best_of", "best_of=" + bestOf + " is not supported by semgrpo serve (it"
                    + " returns all n samples); leave it out or send best_of=n=" + sampling.n());
        }
        boolean echo = f.bool("echo", false);
        int maxTokens = f.integer("max_tokens", 16, 0, Integer.MAX_VALUE);
        if (maxTokens == 0 && !echo) {
            throw ApiError.badRequest("max_tokens", "max_tokens=0 generates nothing; it is allowed only with"
                    + " echo=true (to score the prompt), found echo=false");
        }
        Integer logprobs = f.integer("logprobs", null, 0, MAX_LOGPROBS);
        return new CompletionRequest(model, prompts, sampling, maxTokens, logprobs, echo,
                f.bool("return_tokens_as_token_ids", false), f.bool("return_token_ids", false));
    }

    /** {@code prompt}: a string, a list of strings, a list of token ids, or a list of such lists. */
    private static List<PromptInput> prompts(JsonNode p) {
        if (p == null) {
            throw ApiError.badRequest("prompt", "'prompt' is required: a string, a list of strings, a list of token"
                    + " ids or a list of token-id lists");
        }
        List<PromptInput> out = new ArrayList<>();
        if (p.isTextual()) {
            out.add(text(p, "prompt"));
            return out;
        }
        if (!p.isArray()) {
            throw ApiError.badRequest("prompt", "'prompt' must be a string or a list, found " + JsonFields.kind(p));
        }
        if (p.isEmpty()) {
            throw ApiError.badRequest("prompt", "'prompt' is an empty list; send at least one prompt");
        }
        JsonNode first = p.get(0);
        if (first.isIntegralNumber()) {
            out.add(new PromptInput(null, ids(p, "prompt")));
            return out;
        }
        for (int i = 0; i < p.size(); i++) {
            JsonNode e = p.get(i);
            String at = "prompt[" + i + "]";
            if (first.isTextual() && e.isTextual()) {
                out.add(text(e, at));
            } else if (first.isArray() && e.isArray()) {
                out.add(new PromptInput(null, ids(e, at)));
            } else {
                throw ApiError.badRequest("prompt", at + " is " + JsonFields.kind(e) + " but prompt[0] is "
                        + JsonFields.kind(first) + "; 'prompt' must be a list of strings, of token ids, or of"
                        + " token-id lists, not a mix");
            }
        }
        return out;
    }

    private static PromptInput text(JsonNode s, String at) {
        if (s.textValue().isEmpty()) {
            throw ApiError.badRequest("prompt", at + " is an empty string; every prompt needs at least one token");
        }
        return new PromptInput(s.textValue(), null);
    }

    private static int[] ids(JsonNode list, String at) {
        if (list.isEmpty()) {
            throw ApiError.badRequest("prompt", at + " is an empty list of token ids; every prompt needs at least one"
                    + " token");
        }
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = list.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0) {
                throw ApiError.badRequest("prompt", at + "[" + i + "] must be a token id (an integer >= 0), found "
                        + JsonFields.kind(t));
            }
            ids[i] = t.intValue();
        }
        return ids;
    }
}
