package dev.semgrpo.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.semgrpo.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A HF tokenizer ({@code tokenizer.json} through DJL's HuggingFace tokenizers) with the model's special tokens:
 * eos ids gathered from {@code generation_config.json}, {@code config.json} and {@code tokenizer_config.json} (each
 * may give one id or a list), the pad id, and the chat template.
 */
public final class TextTokenizer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> specialTokens; // content -> id, from added_tokens with special=true
    private final Map<String, Integer> addedTokens; // content -> id, every added token
    private final int vocabSize;
    private final Set<Integer> eosIds;
    private final int padId;
    private final Integer bosId;
    private final boolean addBos;
    private final ChatTemplate chatTemplate;
    private final Path dir;

    private TextTokenizer(Path dir, HuggingFaceTokenizer tokenizer, Map<String, Integer> specialTokens,
            Map<String, Integer> addedTokens, int vocabSize, Set<Integer> eosIds, int padId, Integer bosId,
            boolean addBos, ChatTemplate chatTemplate) {
        this.dir = dir;
        this.tokenizer = tokenizer;
        this.specialTokens = specialTokens;
        this.addedTokens = addedTokens;
        this.vocabSize = vocabSize;
        this.eosIds = eosIds;
        this.padId = padId;
        this.bosId = bosId;
        this.addBos = addBos;
        this.chatTemplate = chatTemplate;
    }

    /** Loads the tokenizer files of a model directory; {@code tokenizer.json} is required. */
    public static TextTokenizer load(Path dir) throws IOException {
        ModelDirectory.require(dir);
        Path tj = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tj)) {
            throw new IOException(dir + ": no tokenizer.json; semgrpo needs a HF fast tokenizer file (save it with"
                    + " transformers' tokenizer.save_pretrained)");
        }
        JsonNode tok = readJson(tj);
        Map<String, Integer> special = new LinkedHashMap<>();
        Map<String, Integer> added = new LinkedHashMap<>();
        int maxId = -1;
        for (JsonNode a : tok.path("added_tokens")) {
            int id = a.path("id").asInt();
            added.put(a.path("content").asText(), id);
            if (a.path("special").asBoolean(false)) {
                special.put(a.path("content").asText(), id);
            }
            maxId = Math.max(maxId, id);
        }
        JsonNode vocab = tok.path("model").path("vocab");
        if (vocab.isObject()) {
            for (JsonNode id : vocab) {
                maxId = Math.max(maxId, id.asInt());
            }
        } else if (vocab.isArray()) {
            maxId = Math.max(maxId, vocab.size() - 1);
        }
        JsonNode tcfg = optionalJson(dir.resolve("tokenizer_config.json"));
        JsonNode gcfg = optionalJson(dir.resolve("generation_config.json"));
        JsonNode mcfg = optionalJson(dir.resolve("config.json"));
        Map<String, String> options = new LinkedHashMap<>();
        options.put("addSpecialTokens", "false");
        options.put("truncation", "false");
        options.put("padding", "false");
        options.put("maxLength", String.valueOf(Integer.MAX_VALUE));
        HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(tj, options);
        try {
            Set<Integer> eos = new LinkedHashSet<>();
            ids(gcfg, "eos_token_id", eos);
            ids(mcfg, "eos_token_id", eos);
            Integer eosFromTok = tokenId(tcfg, "eos_token", added, hf);
            if (eosFromTok != null) {
                eos.add(eosFromTok);
            }
            Integer pad = tokenId(tcfg, "pad_token", added, hf);
            if (pad == null) {
                pad = firstId("pad_token_id", gcfg, mcfg);
            }
            if (pad == null && !eos.isEmpty()) {
                pad = eos.iterator().next();
            }
            if (pad == null) {
                pad = 0;
            }
            Integer bos = tokenId(tcfg, "bos_token", added, hf);
            if (bos == null) {
                bos = firstId("bos_token_id", gcfg, mcfg);
            }
            // tokenizer_config.json's add_bos_token when it has one, else what tokenizer.json's post-processor does
            // (Llama 3's TemplateProcessing puts <|begin_of_text|> first, and transformers follows it)
            boolean addBos = tcfg != null && tcfg.has("add_bos_token") ? tcfg.path("add_bos_token").asBoolean(false)
                    : bos != null && postProcessorPrepends(tok.path("post_processor"), bos, added);
            ChatTemplate template = ChatTemplate.fromDirectory(dir, tcfg);
            return new TextTokenizer(dir, hf, Collections.unmodifiableMap(special), Collections.unmodifiableMap(added),
                    maxId + 1, Collections.unmodifiableSet(eos), pad, bos, addBos, template);
        } catch (IOException | RuntimeException e) {
            hf.close();
            throw e;
        }
    }

    /**
     * True when tokenizer.json's post-processor (a TemplateProcessing, alone or in a Sequence) starts a single
     * sequence with the special token whose id is {@code bos}.
     */
    private static boolean postProcessorPrepends(JsonNode pp, int bos, Map<String, Integer> added) {
        if ("Sequence".equals(pp.path("type").asText())) {
            for (JsonNode p : pp.path("processors")) {
                if (postProcessorPrepends(p, bos, added)) {
                    return true;
                }
            }
            return false;
        }
        if (!"TemplateProcessing".equals(pp.path("type").asText())) {
            return false;
        }
        JsonNode first = pp.path("single").path(0).path("SpecialToken");
        if (!first.isObject()) {
            return false;
        }
        JsonNode ids = pp.path("special_tokens").path(first.path("id").asText()).path("ids");
        Integer id = ids.isArray() && ids.size() == 1 ? Integer.valueOf(ids.get(0).asInt())
                : added.get(first.path("id").asText());
        return id != null && id == bos;
    }

    private static JsonNode readJson(Path p) throws IOException {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new IOException(p + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static JsonNode optionalJson(Path p) throws IOException {
        return Files.isRegularFile(p) ? readJson(p) : null;
    }

    private static void ids(JsonNode cfg, String key, Set<Integer> out) {
        if (cfg == null || !cfg.hasNonNull(key)) {
            return;
        }
        JsonNode n = cfg.get(key);
        if (n.isArray()) {
            n.forEach(x -> out.add(x.asInt()));
        } else if (n.isIntegralNumber()) {
            out.add(n.asInt());
        }
    }

    /** The first id under {@code key} in the given configs (generation_config.json before config.json), or null. */
    private static Integer firstId(String key, JsonNode... configs) {
        Set<Integer> found = new LinkedHashSet<>();
        for (JsonNode cfg : configs) {
            ids(cfg, key, found);
        }
        return found.isEmpty() ? null : found.iterator().next();
    }

    /** A token named in tokenizer_config.json (a string or {"content": ...}) as an id, or null. */
    private static Integer tokenId(JsonNode cfg, String key, Map<String, Integer> added, HuggingFaceTokenizer hf) {
        if (cfg == null || !cfg.hasNonNull(key)) {
            return null;
        }
        JsonNode n = cfg.get(key);
        String content = n.isTextual() ? n.asText() : n.path("content").asText(null);
        if (content == null) {
            return null;
        }
        Integer id = added.get(content);
        if (id != null) {
            return id;
        }
        long[] ids = hf.encode(content, false, false).getIds();
        return ids.length == 1 ? (int) ids[0] : null;
    }

    /** Token ids of {@code text}; a BOS is prepended when tokenizer_config.json asks for it. */
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int off = addBos && bosId != null ? 1 : 0;
        int[] out = new int[ids.length + off];
        if (off == 1) {
            out[0] = bosId;
        }
        for (int i = 0; i < ids.length; i++) {
            out[i + off] = (int) ids[i];
        }
        return out;
    }

    /** Token ids of text that already holds its special tokens (a rendered chat template): no BOS is added. */
    public int[] encodeRaw(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, skipSpecialTokens);
    }

    /** Largest token id + 1 (base vocabulary and added tokens). */
    public int vocabSize() {
        return vocabSize;
    }

    public Set<Integer> eosIds() {
        return eosIds;
    }

    public int padId() {
        return padId;
    }

    public Integer bosId() {
        return bosId;
    }

    /** Special tokens (content to id) from tokenizer.json's added_tokens. */
    public Map<String, Integer> specialTokens() {
        return specialTokens;
    }

    public Map<String, Integer> addedTokens() {
        return addedTokens;
    }

    /** The directory the tokenizer came from. */
    public Path directory() {
        return dir;
    }

    public boolean hasChatTemplate() {
        return chatTemplate != null;
    }

    /**
     * Renders the model's chat template over {@code messages} (maps with role and content), as transformers'
     * {@code apply_chat_template(tokenize=False)} does, with the tokenizer's special tokens in the context.
     * Prompts for training, evaluation and generation go through {@link PromptRenderer}, which adds the configured
     * {@code chat_template_kwargs} as {@code extra}.
     */
    public String applyChatTemplate(List<Map<String, Object>> messages, boolean addGenerationPrompt,
            Map<String, Object> extra) {
        if (chatTemplate == null) {
            throw new IllegalStateException(dir + ": the tokenizer has no chat_template (tokenizer_config.json or"
                    + " chat_template.jinja); pass plain prompts instead of messages");
        }
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("messages", messages);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.put("bos_token", bosId == null ? "" : decode(new int[] {bosId}, false));
        ctx.put("eos_token", eosIds.isEmpty() ? "" : decode(new int[] {eosIds.iterator().next()}, false));
        if (extra != null) {
            ctx.putAll(extra);
        }
        return chatTemplate.render(ctx);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
