package dev.semgrpo.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * A model's chat template, rendered as transformers' {@code apply_chat_template} does: Jinja with
 * {@code trim_blocks} and {@code lstrip_blocks}, plus the globals transformers defines ({@code raise_exception},
 * {@code strftime_now}).
 */
public final class ChatTemplate {
    private final Jinja template;

    public ChatTemplate(String source) {
        this.template = new Jinja(source)
                .global("raise_exception", (Jinja.Callable) (a, kw) -> {
                    throw new Jinja.TemplateException("chat template raised: " + (a.isEmpty() ? "" : a.get(0)));
                })
                .global("strftime_now", (Jinja.Callable) (a, kw) -> LocalDateTime.now()
                        .format(DateTimeFormatter.ofPattern(pythonToJava(String.valueOf(a.get(0))), Locale.ENGLISH)));
    }

    /**
     * The template of a model directory: {@code chat_template.jinja}, else {@code chat_template} in
     * tokenizer_config.json (a string, or a list of named templates of which "default" is taken); null if none.
     */
    public static ChatTemplate fromDirectory(Path dir, JsonNode tokenizerConfig) throws IOException {
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            return parse(Files.readString(jinja), jinja.toString());
        }
        if (tokenizerConfig == null || !tokenizerConfig.hasNonNull("chat_template")) {
            return null;
        }
        JsonNode t = tokenizerConfig.get("chat_template");
        String where = dir.resolve("tokenizer_config.json") + " chat_template";
        if (t.isTextual()) {
            return parse(t.asText(), where);
        }
        if (t.isArray()) {
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText())) {
                    return parse(named.path("template").asText(), where + "[default]");
                }
            }
        }
        throw new IOException(where + ": expected a string or a list with a 'default' template, found "
                + t.getNodeType());
    }

    private static ChatTemplate parse(String src, String where) throws IOException {
        try {
            return new ChatTemplate(src);
        } catch (Jinja.TemplateException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        }
    }

    public String render(Map<String, Object> context) {
        return template.render(context);
    }

    private static String pythonToJava(String fmt) {
        return fmt.replace("%Y", "yyyy").replace("%m", "MM").replace("%d", "dd").replace("%B", "MMMM")
                .replace("%b", "MMM").replace("%H", "HH").replace("%M", "mm").replace("%S", "ss");
    }
}
