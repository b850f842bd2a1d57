package dev.semgrpo.trainer.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.semgrpo.model.io.ConfigErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a {@link TrainConfig}: YAML, then {@code --set a.b.c=value} overrides (values parsed as YAML scalars or
 * lists), then binding with unknown keys rejected by path. Also writes the resolved config.
 */
public final class ConfigLoader {
    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ConfigLoader() {
    }

    /** The YAML tree of {@code file} with {@code overrides} applied. */
    public static ObjectNode tree(Path file, List<String> overrides) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such config file");
        }
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a mapping of sections (run, model, data, optim, ...)");
        }
        ObjectNode tree = (ObjectNode) root;
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
                throw new IllegalArgumentException("--set " + o + ": value is not valid YAML", e);
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
            node.set(path[path.length - 1], value == null || value.isMissingNode() ? YAML.nullNode() : value);
        }
        return tree;
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
                if (fn.isObject() && fn.hasNonNull("calibration")) {
                    ((ObjectNode) fn).put("calibration", baseDir.resolve(fn.get("calibration").asText())
                            .toAbsolutePath().normalize().toString());
                }
            }
        }
    }

    private static void abs(ObjectNode tree, Path base, String section, String key) {
        JsonNode sec = tree.get(section);
        if (sec != null && sec.isObject() && sec.hasNonNull(key)) {
            ((ObjectNode) sec).put(key, base.resolve(sec.get(key).asText()).toAbsolutePath().normalize().toString());
        }
    }

    public static void write(Path file, JsonNode tree) throws IOException {
        YAML.writeValue(file.toFile(), tree);
    }
}
