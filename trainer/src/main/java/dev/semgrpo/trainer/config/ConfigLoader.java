package dev.semgrpo.trainer.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.ConfigErrors;
import dev.semgrpo.model.io.StrictJackson;
import dev.semgrpo.model.io.Utf8Files;
import dev.semgrpo.rewards.config.RewardConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@link TrainConfig}: YAML, then {@code --set a.b.c=value} overrides (values parsed as YAML scalars or
 * lists; an empty value or null removes the key, restoring its default), then strict binding ({@link
 * StrictJackson}) with errors that name the file, the line and the key path. Also writes the resolved config.
 */
public final class ConfigLoader {
    public static final ObjectMapper YAML = StrictJackson.yaml()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private static final Pattern KEY_PATH = Pattern.compile("\\b([a-z_]+(?:\\.[a-z_]+)+)\\b");

    /**
     * Where a training config's tree came from, so that errors name the file and the line (or the override).
     *
     * @param file the YAML file
     * @param overrides its {@code --set key=value} overrides
     */
    public record Source(Path file, List<String> overrides) {
        public Source {
            overrides = List.copyOf(overrides);
        }

        /** "near line N: " for a key path in the file, "--set k=v: " when an override set it, or "". */
        String where(String keyPath) {
            for (String o : overrides) {
                String key = o.substring(0, Math.max(0, o.indexOf('='))).trim();
                if (!key.isEmpty() && (keyPath.equals(key) || keyPath.startsWith(key + ".")
                        || keyPath.startsWith(key + "["))) {
                    return "--set " + o + ": ";
                }
            }
            try {
                int line = ConfigErrors.lineOf(Utf8Files.read(file), keyPath);
                return line < 0 ? "" : "near line " + line + ": ";
            } catch (IOException e) {
                return "";
            }
        }
    }

    private ConfigLoader() {
    }

    /** The YAML tree of {@code file} with {@code overrides} applied. */
    public static ObjectNode tree(Path file, List<String> overrides) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such config file");
        }
        ObjectNode tree = readTree(file, "a mapping of sections (run, model, data, optim, ...)");
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set expects key=value (e.g. optim.lr=1e-6), found '" + o + "'");
            }
            String[] path = o.substring(0, eq).trim().split("\\.");
            JsonNode value;
            try {
                value = YAML.readTree(o.substring(eq + 1));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("--set " + o + ": value is not valid YAML: "
                        + ConfigErrors.reason(e), e);
            }
            StrictJackson.Invalid bad = value == null || value.isNull() ? null : StrictJackson.invalid(value, false);
            if (bad != null) {
                throw new IllegalArgumentException("--set " + o + ": " + bad.message());
            }
            ObjectNode node = tree;
            for (int i = 0; i < path.length - 1; i++) {
                JsonNode child = node.get(path[i]);
                if (child == null || child.isNull()) {
                    child = node.putObject(path[i]);
                } else if (!child.isObject()) {
                    throw new IllegalArgumentException("--set " + o + ": '" + path[i] + "' is not a section");
                }
                node = (ObjectNode) child;
            }
            if (value == null || value.isMissingNode() || value.isNull()) {
                node.remove(path[path.length - 1]);
            } else {
                node.set(path[path.length - 1], value);
            }
        }
        return tree;
    }

    /**
     * A YAML file's root mapping, read strictly ({@link StrictJackson}); errors name the file, the line and the key
     * path. A file that is not UTF-8 is an error naming its line.
     *
     * @param expected what the file holds, in words, for the error when it is not a mapping
     */
    public static ObjectNode readTree(Path file, String expected) throws IOException {
        return ConfigErrors.readTree(YAML, Utf8Files.read(file), file.toString(), expected);
    }

    /** Binds a tree; errors name the key path and, for unknown keys, the known ones. */
    public static TrainConfig bind(ObjectNode tree, String where) {
        try {
            return YAML.treeToValue(tree, TrainConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": " + ConfigErrors.describe(e, "a documented value"));
        }
    }

    /**
     * Binds a tree read from {@code source} and checks it ({@link Settings#of}); errors name the file, the line
     * of the key path (or the {@code --set} that set it), the value found and what is allowed.
     */
    public static Settings settings(ObjectNode tree, Source source, Path baseDir, boolean grpo) {
        TrainConfig c;
        try {
            c = YAML.treeToValue(tree, TrainConfig.class);
        } catch (JsonProcessingException e) {
            String path = ConfigErrors.path(e);
            throw new IllegalArgumentException(source.file() + ": " + source.where(path)
                    + ConfigErrors.describe(e, "a documented value", null, ""), e);
        }
        if (grpo && tree.path("rewards").isObject()) {
            try {
                RewardConfig.bind(tree.get("rewards"));
            } catch (JsonProcessingException e) {
                String path = ConfigErrors.path(e);
                throw new IllegalArgumentException(source.file() + ": "
                        + source.where(path.isEmpty() ? "rewards" : "rewards." + path)
                        + RewardConfig.describe(e, null, "rewards"), e);
            }
        }
        try {
            return Settings.of(c, baseDir, grpo);
        } catch (IllegalArgumentException e) {
            Matcher m = KEY_PATH.matcher(String.valueOf(e.getMessage()));
            String where = m.find() ? source.where(m.group(1)) : "";
            throw new IllegalArgumentException(source.file() + ": " + where + e.getMessage(), e);
        }
    }

    /**
     * Makes every path of the tree absolute against {@code baseDir} (model.path, model.init.tokenizer, data.path,
     * run.output_dir, a rewards file, an inline reward config's encoder.path and calibration files), so the resolved
     * config written to the run directory means the same from anywhere (resume).
     */
    public static void absolutize(ObjectNode tree, Path baseDir) {
        abs(tree, baseDir, "model", "path");
        abs(tree, baseDir, "data", "path");
        abs(tree, baseDir, "run", "output_dir");
        if (tree.path("model").path("init").isObject()) {
            abs((ObjectNode) tree.get("model"), baseDir, "init", "tokenizer");
        }
        JsonNode r = tree.get("rewards");
        if (r != null && r.isTextual()) {
            tree.put("rewards", baseDir.resolve(r.asText()).toAbsolutePath().normalize().toString());
        } else if (r != null && r.isObject()) {
            abs((ObjectNode) r, baseDir, "encoder", "path");
            for (JsonNode fn : r.path("rewards")) {
                if (fn.isObject() && fn.path("calibration").isTextual()) {
                    ((ObjectNode) fn).put("calibration", baseDir.resolve(fn.get("calibration").asText())
                            .toAbsolutePath().normalize().toString());
                }
            }
        }
    }

    private static void abs(ObjectNode tree, Path base, String section, String key) {
        JsonNode sec = tree.get(section);
        if (sec != null && sec.isObject() && sec.path(key).isTextual()) {
            ((ObjectNode) sec).put(key, base.resolve(sec.get(key).asText()).toAbsolutePath().normalize().toString());
        }
    }

    public static void write(Path file, JsonNode tree) throws IOException {
        YAML.writeValue(file.toFile(), tree);
    }
}
