package dev.semgrpo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.serve.CompletionRequest.PromptInput;
import dev.semgrpo.serve.JsonFields.Unimplemented;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * What each endpoint does with a parsed body: check it against the model and the limits, tokenize, queue the work,
 * and shape the answer. HTTP concerns (auth, sizes, JSON syntax, status lines) are the {@link Router}'s.
 */
final class Endpoints {
    static final String LOAD_PATH = "/v1/load_lora_adapter";
    static final String UNLOAD_PATH = "/v1/unload_lora_adapter";

    /** A body to send: status, content type and bytes. */
    record Reply(int status, String contentType, byte[] body) {
        static Reply json(JsonNode node) {
            try {
                return new Reply(200, "application/json", Responses.JSON.writeValueAsBytes(node));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write a response: " + e.getOriginalMessage(), e);
            }
        }

        static Reply text(String text) {
            return new Reply(200, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * What the endpoints serve.
     *
     * @param baseName the base model's name
     * @param baseRoot the base model's directory (/v1/models' root)
     * @param vocabSize the model's vocabulary (prompt token ids must be below it)
     * @param started seconds since the epoch when the server started (/v1/models' created)
     */
    record Served(String baseName, Path baseRoot, int vocabSize, long started) {
    }

    private final Served served;
    private final TextTokenizer tokenizer;
    private final Limits limits;
    private final AdapterRegistry adapters;
    private final Scheduler scheduler;
    private final Responses responses;
    private final SplittableRandom seeds = new SplittableRandom(); // guarded by this

    Endpoints(Served served, TextTokenizer tokenizer, Limits limits, AdapterRegistry adapters, Scheduler scheduler) {
        this.served = served;
        this.tokenizer = tokenizer;
        this.limits = limits;
        this.adapters = adapters;
        this.scheduler = scheduler;
        this.responses = new Responses(new TokenText(tokenizer));
    }

    Reply completions(JsonNode body) {
        CompletionRequest req = CompletionRequest.parse(body);
        checkModel(req.model());
        List<int[]> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < req.prompts().size(); i++) {
            PromptInput p = req.prompts().get(i);
            if (p.text() != null) {
                ids.add(tokenizer.encode(p.text()));
                texts.add(p.text());
            } else {
                checkVocabulary(p.ids(), req.prompts().size() == 1 ? "prompt" : "prompt[" + i + "]");
                ids.add(p.ids());
                texts.add(req.echo() ? tokenizer.decode(p.ids(), false) : null);
            }
        }
        int n = req.sampling().n();
        limits.check(n, req.maxTokens(), ids.stream().mapToInt(p -> p.length).toArray());
        int top = req.logprobs() == null ? 0 : req.logprobs();
        Job job = new Job(req.model(), ids, seed(req.sampling()), req.maxTokens() == 0 ? null
                : req.sampling().params(req.maxTokens()), n, top, req.echo() && req.logprobs() != null ? top : -1);
        JobResult result = Scheduler.await(scheduler.submit(job));
        return Reply.json(responses.completion(req.model(), req, ids, texts, result));
    }

    Reply chat(JsonNode body) {
        ChatRequest req = ChatRequest.parse(body);
        checkModel(req.model());
        if (!tokenizer.hasChatTemplate()) {
            throw ApiError.badRequest("messages", "the model '" + served.baseName() + "' has no chat template"
                    + " (tokenizer_config.json or chat_template.jinja); use /v1/completions with a plain prompt");
        }
        int[] prompt;
        try {
            prompt = new PromptRenderer(tokenizer, req.chatTemplateKwargs(), "chat_template_kwargs")
                    .chat(req.messages()).ids();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw ApiError.badRequest("messages", "the chat template cannot render these messages: "
                    + e.getMessage());
        }
        int n = req.sampling().n();
        int maxTokens = req.maxTokens() != null ? req.maxTokens()
                : (int) Math.max(1, Math.min(limits.maxModelLen() - prompt.length, limits.maxTokensPerRequest() / n));
        limits.check(n, maxTokens, new int[] {prompt.length});
        Job job = new Job(req.model(), List.of(prompt), seed(req.sampling()), req.sampling().params(maxTokens), n,
                req.logprobs() ? req.topLogprobs() : 0, -1);
        JobResult result = Scheduler.await(scheduler.submit(job));
        return Reply.json(responses.chat(req.model(), req, prompt, result));
    }

    Reply models() {
        ObjectNode root = Responses.JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        card(data.addObject(), served.baseName(), served.started(), served.baseRoot(), null);
        for (AdapterRegistry.Adapter a : adapters.list()) {
            card(data.addObject(), a.name(), a.created(), a.root(), served.baseName());
        }
        return Reply.json(root);
    }

    private void card(ObjectNode o, String id, long created, Path root, String parent) {
        o.put("id", id);
        o.put("object", "model");
        o.put("created", created);
        o.put("owned_by", "semgrpo");
        o.put("root", root.toString());
        if (parent == null) {
            o.putNull("parent");
        } else {
            o.put("parent", parent);
        }
        o.put("max_model_len", limits.maxModelLen());
    }

    Reply loadLora(JsonNode body) {
        JsonFields f = new JsonFields(body, LOAD_PATH);
        f.checkNames(Set.of("lora_name", "lora_path"), List.of(Unimplemented.bool("load_inplace", false)));
        String name = f.requiredString("lora_name");
        String path = f.requiredString("lora_path");
        adapters.requireRuntimeLoading();
        scheduler.control(() -> adapters.loadAtRuntime(name, path));
        return Reply.text("Success: LoRA adapter '" + name + "' added successfully.");
    }

    Reply unloadLora(JsonNode body) {
        JsonFields f = new JsonFields(body, UNLOAD_PATH);
        f.checkNames(Set.of("lora_name"), List.of(Unimplemented.empty("lora_int_id")));
        String name = f.requiredString("lora_name");
        adapters.requireRuntimeLoading();
        scheduler.control(() -> {
            adapters.unload(name);
            return null;
        });
        return Reply.text("Success: LoRA adapter '" + name + "' removed successfully.");
    }

    private void checkModel(String name) {
        if (!adapters.serves(name)) {
            throw ApiError.notFound("model", "the model '" + name + "' does not exist; this server serves "
                    + served.baseName() + (adapters.list().isEmpty() ? "" : " and the adapters "
                            + adapters.list().stream().map(AdapterRegistry.Adapter::name).toList()));
        }
    }

    private void checkVocabulary(int[] ids, String at) {
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] >= served.vocabSize()) {
                throw ApiError.badRequest("prompt", at + "[" + t + "] is token id " + ids[t] + ", outside the model's"
                        + " vocabulary [0, " + served.vocabSize() + ")");
            }
        }
    }

    /** The request's seed, or one drawn in [0, 2^63). */
    private long seed(Sampling s) {
        if (s.seed() != null) {
            return s.seed();
        }
        synchronized (this) {
            return seeds.nextLong() >>> 1;
        }
    }
}
