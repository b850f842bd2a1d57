package dev.semgrpo.cli;

import dev.semgrpo.model.io.Jsonl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.generate.Completion;
import dev.semgrpo.model.generate.Generator;
import dev.semgrpo.model.generate.SamplingParams;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.StrictJackson;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Samples groups of completions for a JSONL file of prompts. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Sample n completions per prompt. Input lines hold \"prompt\" (text) or \"messages\""
                + " (chat, rendered with the model's chat template); output has one line per sample.",
        footer = {"", "Examples:",
                "  semgrpo generate --model runs/tiny --prompts prompts.jsonl \\",
                "      --out samples.jsonl --n 8 --temperature 0.8 --top-p 0.9 \\",
                "      --max-new-tokens 128 --seed 1",
                "  semgrpo generate --model models/Qwen3-4B --prompts chat.jsonl \\",
                "      --out greedy.jsonl --greedy --chat --device gpu",
                "",
                "Output fields: prompt_index, sample_index, prompt, completion, token_ids,",
                "logprobs, finish_reason."})
final class GenerateCommand implements Callable<Integer> {
    private static final ObjectMapper STRICT_JSON = StrictJackson.json();

    @Option(names = "--prompts", required = true, description = "JSONL with \"prompt\" or \"messages\" per line")
    Path prompts;

    @Mixin
    OutputFile out;

    @Option(names = "--n", defaultValue = "1", description = "samples per prompt (the GRPO group). Default: ${DEFAULT-VALUE}.")
    int n;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Default: ${DEFAULT-VALUE} (off).")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "Default: ${DEFAULT-VALUE} (off).")
    int topK;

    @Option(names = "--min-p", defaultValue = "0.0", description = "Default: ${DEFAULT-VALUE} (off).")
    double minP;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "Default: ${DEFAULT-VALUE} (off).")
    double repetitionPenalty;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--seed", defaultValue = "0", description = "Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--greedy", description = "argmax decoding (n must be 1)")
    boolean greedy;

    @Option(names = "--chat", description = "wrap plain prompts as one user message and apply the chat template")
    boolean chat;

    @Option(names = "--chat-template-kwargs", paramLabel = "JSON", description = "extra chat-template variables as a"
            + " JSON object of strings, booleans and numbers, as training and evaluation take them. Default:"
            + " {\"enable_thinking\": false}; '{}' renders the template's own defaults.")
    String chatTemplateKwargs;

    @Option(names = "--stop", description = "stop string (repeatable)")
    List<String> stops = new ArrayList<>();

    @Option(names = "--batch-rows", defaultValue = "64", description = "sequences decoded together. Default: ${DEFAULT-VALUE}.")
    int batchRows;

    @Mixin
    ModelOptions modelOptions;

    @Override
    public Integer call() throws Exception {
        SamplingParams params = SamplingParams.builder().setMaxNewTokens(maxNewTokens).optN(n)
                .optTemperature(temperature).optTopK(topK).optTopP(topP).optMinP(minP)
                .optRepetitionPenalty(repetitionPenalty).optGreedy(greedy).optStopStrings(stops).optSeed(seed).build();
        out.check(new OutputPaths.Input("--prompts", prompts), new OutputPaths.Input("--model", modelOptions.model));
        List<Jsonl.Line> lines = Jsonl.read(prompts);
        Map<String, Object> kwargs = kwargs();
        try (TextTokenizer tok = modelOptions.tokenizer(); CausalLM lm = modelOptions.load()) {
            PromptRenderer renderer = new PromptRenderer(tok, kwargs, "--chat-template-kwargs");
            List<String> texts = new ArrayList<>();
            List<int[]> ids = new ArrayList<>();
            for (Jsonl.Line line : lines) {
                PromptRenderer.Prompt p = prompt(line, renderer);
                texts.add(p.text());
                ids.add(p.ids());
            }
            ProgressBar bar = new ProgressBar("generate", lines.size(), "prompts");
            bar.update(0);
            long t0 = System.nanoTime();
            List<List<Completion>> groups = new Generator(lm, tok).maxBatchRows(batchRows)
                    .generate(ids, params, bar::update);
            double secs = (System.nanoTime() - t0) / 1e9;
            List<ObjectNode> records = new ArrayList<>();
            long tokens = 0;
            for (List<Completion> group : groups) {
                for (Completion c : group) {
                    ObjectNode o = Jsonl.JSON.createObjectNode();
                    o.put("prompt_index", c.promptIndex());
                    o.put("sample_index", c.sampleIndex());
                    o.put("prompt", texts.get(c.promptIndex()));
                    o.put("completion", c.text());
                    ArrayNode tid = o.putArray("token_ids");
                    for (int t : c.tokenIds()) {
                        tid.add(t);
                    }
                    ArrayNode lp = o.putArray("logprobs");
                    for (float f : c.logprobs()) {
                        lp.add(f);
                    }
                    o.put("finish_reason", c.finishReason().label());
                    records.add(o);
                    tokens += c.tokenIds().length;
                }
            }
            out.write(records);
            System.out.printf("wrote %s for %s to %s (%s, %.1f tokens/s)%n", Plural.of(records.size(), "sample"),
                    Plural.of(lines.size(), "prompt"), out, Plural.of(tokens, "token"), tokens / Math.max(secs, 1e-9));
        }
        return 0;
    }

    /** The --chat-template-kwargs object, checked; null when not given (the renderer's default). */
    private Map<String, Object> kwargs() {
        if (chatTemplateKwargs == null) {
            return null;
        }
        JsonNode n;
        try {
            n = STRICT_JSON.readTree(chatTemplateKwargs);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("--chat-template-kwargs: not valid JSON (" + e.getOriginalMessage()
                    + "); write an object such as '{\"enable_thinking\": false}'");
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("--chat-template-kwargs must be a JSON object such as "
                    + "'{\"enable_thinking\": false}', found " + (n == null ? "nothing" : n.getNodeType()));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), STRICT_JSON.convertValue(e.getValue(), Object.class)));
        return PromptRenderer.checkKwargs(m, "--chat-template-kwargs");
    }

    private PromptRenderer.Prompt prompt(Jsonl.Line line, PromptRenderer renderer) {
        JsonNode node = line.node();
        String where = prompts + ":" + line.number();
        if (node.has("messages")) {
            if (node.has("prompt")) {
                throw new IllegalArgumentException(where + ": has both \"messages\" and \"prompt\"; keep one");
            }
            try {
                return render(renderer, PromptRenderer.messages(node.get("messages")), where);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
        if (!node.path("prompt").isTextual()) {
            throw new IllegalArgumentException(where + ": needs a string \"prompt\" or a \"messages\" list, found keys "
                    + iterableToString(node.fieldNames()));
        }
        String prompt = node.get("prompt").asText();
        if (prompt.isEmpty()) {
            throw new IllegalArgumentException(where + ": \"prompt\" is empty");
        }
        if (!chat) {
            return renderer.plain(prompt);
        }
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("role", "user");
        msg.put("content", prompt);
        return render(renderer, List.of(msg), where);
    }

    private static PromptRenderer.Prompt render(PromptRenderer renderer, List<Map<String, Object>> messages,
            String where) {
        try {
            return renderer.chat(messages);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static String iterableToString(java.util.Iterator<String> it) {
        List<String> keys = new ArrayList<>();
        it.forEachRemaining(keys::add);
        return keys.toString();
    }
}
