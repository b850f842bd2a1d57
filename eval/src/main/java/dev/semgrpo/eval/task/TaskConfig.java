package dev.semgrpo.eval.task;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.eval.metrics.TextMetrics;
import dev.semgrpo.model.io.ConfigPath;
import dev.semgrpo.model.io.YamlConfig;
import dev.semgrpo.model.tokenizer.PromptRenderer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An evaluation task, one YAML file under {@code configs/tasks/} (its name is the file name without
 * {@code .yaml}). Relative paths resolve against the YAML file's folder. Every key is documented in
 * {@code docs/evaluation.md}.
 *
 * @param type what is measured and how
 * @param category target (the new language), general (skills that must not be lost) or forgetting
 * @param description one line for reports
 * @param data where the examples are and how their fields are named
 * @param prompt how an example becomes the model's input
 * @param generation decoding of generate and extractive_qa tasks
 * @param metrics metric names of generate tasks (e.g. {@code chrf++}, {@code bleu:tok=char}, {@code similarity})
 * @param similarity the sentence encoder of the {@code similarity} metric
 * @param qa extractive_qa options
 * @param multipleChoice multiple_choice options
 * @param perplexity perplexity options
 */
public record TaskConfig(Type type, Category category, String description, Data data, Prompt prompt,
        Generation generation, List<String> metrics, Similarity similarity, Qa qa, MultipleChoice multipleChoice,
        Perplexity perplexity) {

    /** A task file, for {@link YamlConfig}. */
    public static final YamlConfig.Kind KIND = new YamlConfig.Kind("task file", "a mapping with type, data, prompt, ...");

    /** Task types. */
    public enum Type {
        @JsonProperty("generate") GENERATE,
        @JsonProperty("multiple_choice") MULTIPLE_CHOICE,
        @JsonProperty("extractive_qa") EXTRACTIVE_QA,
        @JsonProperty("perplexity") PERPLEXITY
    }

    /** What a task's scores stand for in the report. */
    public enum Category {
        @JsonProperty("target") TARGET,
        @JsonProperty("general") GENERAL,
        @JsonProperty("forgetting") FORGETTING;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** JSONL layouts of common datasets; {@code fields} renames a layout's fields to the file's. */
    public enum Format {
        /** FLORES-style parallel text: {@code source}, {@code target} (a string or a list of references). */
        @JsonProperty("parallel") PARALLEL,
        /** SQuAD/CMRC: {@code context}, {@code question}, {@code answers} (list, or {@code {text: [...]}}). */
        @JsonProperty("qa") QA,
        /** {@code question}, {@code choices} (list, or {@code {text, label}}), {@code label} (index, letter, label). */
        @JsonProperty("multiple_choice") MULTIPLE_CHOICE,
        /** GSM8K: {@code question}, {@code answer} (worked solution ending in {@code #### 42}). */
        @JsonProperty("gsm8k") GSM8K,
        /** Plain documents: {@code text}. */
        @JsonProperty("text") TEXT
    }

    /**
     * @param path JSONL file
     * @param format the layout (default: the one the task type needs)
     * @param fields layout field name to the file's field name, e.g. {@code {source: sentence_zho_Hans}}
     * @param idField the field holding an example id (default: {@code id} when present, else the line index)
     * @param limit evaluate only the first N examples (null = all)
     */
    public record Data(@ConfigPath Path path, Format format, Map<String, String> fields, String idField, Integer limit) {
        public Data {
            fields = fields == null ? Map.of() : Map.copyOf(fields);
            if (path == null) {
                throw new IllegalArgumentException("data.path is required (a JSONL file)");
            }
            if (limit != null && limit < 1) {
                throw new IllegalArgumentException("data.limit must be >= 1 (or left out for all), found " + limit);
            }
        }
    }

    /**
     * @param template the prompt, with {@code {field}} placeholders ({@code {{ }}} for literal braces)
     * @param chat wrap the prompt in the model's chat template (user turn, generation prompt)
     * @param system a system message for chat prompts
     * @param fewShot examples shown before each prompt
     * @param fewShotSeed seed of the few-shot draw (per example: seed + index)
     * @param fewShotFrom file of few-shot examples (default: the task's own data, never the example itself)
     * @param targetTemplate how a few-shot example's answer follows its prompt
     * @param separator between few-shot examples (plain prompts)
     * @param chatTemplateKwargs extra chat-template variables of chat prompts (default {@code {enable_thinking:
     *     false}}, as training renders its prompts)
     */
    public record Prompt(String template, Boolean chat, String system, Integer fewShot, Long fewShotSeed,
            @ConfigPath Path fewShotFrom, String targetTemplate, String separator, Map<String, Object> chatTemplateKwargs) {
        public Prompt {
            chatTemplateKwargs = chatTemplateKwargs == null ? null
                    : PromptRenderer.checkKwargs(chatTemplateKwargs, "prompt.chat_template_kwargs");
        }
    }

    /**
     * @param maxNewTokens tokens generated per example at most
     * @param stop stop strings (the output is cut before them)
     * @param temperature 0 = greedy (default)
     * @param topP nucleus sampling when temperature > 0
     * @param seed sampling seed
     * @param batchSize prompts per generation batch
     */
    public record Generation(Integer maxNewTokens, List<String> stop, Double temperature, Double topP, Long seed,
            Integer batchSize) {
    }

    /**
     * @param encoder sentence-transformers directory (native or ONNX)
     * @param backend native or onnx
     * @param prefix put before every text (e.g. "query: " for E5-style encoders)
     * @param batchSize texts per forward
     */
    public record Similarity(@ConfigPath Path encoder, String backend, String prefix, Integer batchSize) {
    }

    /**
     * @param variant squad (English word normalisation) or cmrc (Chinese characters, punctuation removed)
     */
    public record Qa(String variant) {
    }

    /**
     * @param targetDelimiter put between the context and each choice (lm-evaluation-harness: " ")
     * @param choiceTemplate how each choice is written as a continuation, e.g. {@code {choice}} or {@code {letter}}
     * @param batchSize (context, choice) pairs scored per forward
     */
    public record MultipleChoice(String targetDelimiter, String choiceTemplate, Integer batchSize) {
    }

    /**
     * @param maxLength tokens per forward window (default min(1024, max_position_embeddings))
     * @param stride new tokens scored per window (default max_length: disjoint windows)
     * @param kl also measure per-token KL(reference || model) when a reference is given (default true)
     */
    public record Perplexity(Integer maxLength, Integer stride, Boolean kl) {
    }

    /** A task file read, checked and with its paths made absolute. */
    public record Loaded(String name, Path file, TaskConfig config, JsonNode tree) {
        /**
         * This task with {@code prompt.chat_template_kwargs} replaced (a pipeline's one setting for every stage and
         * task), in the config and in the tree recorded with the results.
         */
        public Loaded withChatTemplateKwargs(Map<String, Object> kwargs) {
            Map<String, Object> checked = PromptRenderer.checkKwargs(kwargs, "chat_template_kwargs");
            TaskConfig c = config;
            Prompt p = c.prompt() == null ? new Prompt(null, null, null, null, null, null, null, null, null)
                    : c.prompt();
            Prompt p2 = new Prompt(p.template(), p.chat(), p.system(), p.fewShot(), p.fewShotSeed(), p.fewShotFrom(),
                    p.targetTemplate(), p.separator(), checked);
            ObjectNode t = tree.deepCopy();
            t.with("prompt").set("chat_template_kwargs", YamlConfig.YAML.valueToTree(checked));
            return new Loaded(name, file, new TaskConfig(c.type(), c.category(), c.description(), c.data(), p2,
                    c.generation(), c.metrics(), c.similarity(), c.qa(), c.multipleChoice(), c.perplexity()), t);
        }
    }

    /** Reads {@code file} ({@link YamlConfig}); errors name the file, the line, the key path and what is allowed. */
    public static Loaded load(Path file) throws IOException {
        String name = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        YamlConfig.Source s = YamlConfig.Source.file(file, KIND.noun(), List.of());
        ObjectNode tree = YamlConfig.read(s, KIND);
        try {
            TaskConfig c = YamlConfig.bind(YamlConfig.resolved(tree, TaskConfig.class, s, file), TaskConfig.class, s,
                    "", KIND);
            try {
                c.check();
            } catch (IllegalArgumentException e) {
                throw s.error(e.getMessage(), e);
            }
            return new Loaded(name, file, c, tree);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Cross-field checks, with the values found. */
    void check() {
        if (type == null) {
            throw new IllegalArgumentException("type is required: generate, multiple_choice, extractive_qa or "
                    + "perplexity");
        }
        if (data == null) {
            throw new IllegalArgumentException("data is required (at least data.path)");
        }
        if (type == Type.GENERATE && (metrics == null || metrics.isEmpty())) {
            throw new IllegalArgumentException("a generate task needs metrics (e.g. [chrf, chrf++, bleu, rouge_l])");
        }
        if (type != Type.GENERATE && metrics != null && !metrics.isEmpty()) {
            throw new IllegalArgumentException("metrics are set by the task type for " + type.name().toLowerCase()
                    + " tasks; remove 'metrics' (found " + metrics + ")");
        }
        if (metrics != null) {
            for (String m : metrics) {
                if (!m.equals("similarity")) {
                    try {
                        TextMetrics.parse(m);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("metrics: " + e.getMessage(), e);
                    }
                }
            }
        }
        if (qa != null && qa.variant() != null && !List.of("squad", "cmrc").contains(qa.variant())) {
            throw new IllegalArgumentException("qa.variant must be squad or cmrc, found '" + qa.variant() + "'");
        }
        if (prompt != null && prompt.fewShot() != null && prompt.fewShot() < 0) {
            throw new IllegalArgumentException("prompt.few_shot must be >= 0, found " + prompt.fewShot());
        }
        if (generation != null) {
            if (generation.maxNewTokens() != null && generation.maxNewTokens() < 1) {
                throw new IllegalArgumentException("generation.max_new_tokens must be >= 1, found "
                        + generation.maxNewTokens());
            }
            if (generation.temperature() != null && generation.temperature() < 0) {
                throw new IllegalArgumentException("generation.temperature must be >= 0 (0 = greedy), found "
                        + generation.temperature());
            }
            if (generation.batchSize() != null && generation.batchSize() < 1) {
                throw new IllegalArgumentException("generation.batch_size must be >= 1, found "
                        + generation.batchSize());
            }
        }
        if (perplexity != null && perplexity.maxLength() != null && perplexity.maxLength() < 2) {
            throw new IllegalArgumentException("perplexity.max_length must be >= 2, found " + perplexity.maxLength());
        }
        if (perplexity != null && perplexity.stride() != null && perplexity.stride() < 1) {
            throw new IllegalArgumentException("perplexity.stride must be >= 1, found " + perplexity.stride());
        }
    }

    /** The category, defaulting by type: perplexity tasks measure forgetting, the others general skills. */
    public Category categoryOrDefault() {
        if (category != null) {
            return category;
        }
        return type == Type.PERPLEXITY ? Category.FORGETTING : Category.GENERAL;
    }

    /** The data layout, defaulting by type. */
    public Format formatOrDefault() {
        if (data.format() != null) {
            return data.format();
        }
        return switch (type) {
            case GENERATE -> Format.PARALLEL;
            case MULTIPLE_CHOICE -> Format.MULTIPLE_CHOICE;
            case EXTRACTIVE_QA -> Format.QA;
            case PERPLEXITY -> Format.TEXT;
        };
    }
}
