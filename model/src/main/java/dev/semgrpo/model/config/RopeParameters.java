package dev.semgrpo.model.config;

import static dev.semgrpo.model.config.ConfigJson.integer;
import static dev.semgrpo.model.config.ConfigJson.number;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.config.ConfigJson.KeyException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The RoPE settings of a {@code config.json} in either layout: transformers 4's top-level {@code rope_theta} and
 * {@code rope_scaling}, or transformers 5's {@code rope_parameters} object ({@code rope_type}, {@code rope_theta} and
 * the scaling keys together). A config may carry both as long as they agree. No theta is an error, not 10000.
 *
 * @param theta RoPE base
 * @param scaling frequency scaling, or null for {@code rope_type = "default"}
 */
public record RopeParameters(double theta, RopeScaling scaling) {
    private static final String SUPPORTED = "default, linear, llama3, yarn";
    private static final Map<String, Set<String>> KEYS = Map.of(
            "default", Set.of(),
            "linear", Set.of("factor"),
            "llama3", Set.of("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"),
            "yarn", Set.of("factor", "original_max_position_embeddings", "beta_fast", "beta_slow", "attention_factor",
                    "mscale", "mscale_all_dim", "truncate"));
    /** Keys every block may hold: the type (also under its old name {@code type}), the base, a full rotary factor. */
    private static final Set<String> COMMON = Set.of("rope_type", "type", "rope_theta", "partial_rotary_factor");

    /**
     * Reads both layouts of {@code root}; {@code maxPositionEmbeddings} is the fallback of
     * {@code original_max_position_embeddings}, as in transformers 5.
     */
    public static RopeParameters fromJson(JsonNode root, int maxPositionEmbeddings) {
        Map<String, Double> thetas = new LinkedHashMap<>();
        Double top = number(root, "rope_theta", "rope_theta");
        if (top != null) {
            thetas.put("rope_theta", top);
        }
        Integer topOriginal = root.hasNonNull("original_max_position_embeddings")
                ? integer(root, "original_max_position_embeddings", "original_max_position_embeddings") : null;
        List<String> blocks = new ArrayList<>();
        List<RopeScaling> scalings = new ArrayList<>();
        for (String name : List.of("rope_scaling", "rope_parameters")) {
            JsonNode block = root.get(name);
            if (block == null || block.isNull()) {
                continue;
            }
            if (!block.isObject()) {
                throw new KeyException(name, "'" + name + "' must be an object or null, found " + block);
            }
            if (block.isEmpty()) {
                continue; // transformers reads {} as absent ("rope_scaling or rope_parameters")
            }
            Double theta = number(block, "rope_theta", name + ".rope_theta");
            if (theta != null) {
                thetas.put(name + ".rope_theta", theta);
            }
            blocks.add(name);
            scalings.add(scaling(block, name, topOriginal, maxPositionEmbeddings));
        }
        if (thetas.isEmpty()) {
            throw new IllegalArgumentException("no RoPE base: config.json has neither 'rope_theta' nor"
                    + " 'rope_parameters.rope_theta'; copy the value from the model's original config.json (e.g."
                    + " \"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 1000000.0} for Qwen3)");
        }
        Iterator<Map.Entry<String, Double>> it = thetas.entrySet().iterator();
        Map.Entry<String, Double> first = it.next();
        while (it.hasNext()) {
            Map.Entry<String, Double> other = it.next();
            if (!other.getValue().equals(first.getValue())) {
                throw new IllegalArgumentException("'" + first.getKey() + "' (" + first.getValue() + ") and '"
                        + other.getKey() + "' (" + other.getValue() + ") disagree; keep one RoPE base");
            }
        }
        if (blocks.size() == 2 && !Objects.equals(scalings.get(0), scalings.get(1))) {
            throw new IllegalArgumentException("'rope_scaling' " + root.get("rope_scaling") + " and 'rope_parameters' "
                    + root.get("rope_parameters") + " describe different RoPE scaling; keep one of them");
        }
        return new RopeParameters(first.getValue(), scalings.isEmpty() ? null : scalings.get(0));
    }

    private static RopeScaling scaling(JsonNode block, String name, Integer topOriginal, int maxPositions) {
        String type = ropeType(block, name);
        Set<String> allowed = KEYS.get(type);
        if (allowed == null) {
            throw new KeyException(name + ".rope_type", "unsupported rope_type '" + type + "' in '" + name
                    + "'; supported: " + SUPPORTED);
        }
        for (Iterator<String> keys = block.fieldNames(); keys.hasNext();) {
            String key = keys.next();
            if (!allowed.contains(key) && !COMMON.contains(key)) {
                List<String> known = new ArrayList<>(allowed);
                known.add("rope_theta");
                Collections.sort(known);
                throw new KeyException(name + "." + key, "unknown key '" + name + "." + key + "' for rope_type "
                        + type + "; known: " + known);
            }
        }
        Double partial = number(block, "partial_rotary_factor", name + ".partial_rotary_factor");
        if (partial != null && partial != 1.0) {
            throw new KeyException(name + ".partial_rotary_factor", "unsupported " + name + ".partial_rotary_factor "
                    + partial + ": partial rotary embeddings are not supported");
        }
        Integer original = null;
        if (!type.equals("default") && !type.equals("linear")) {
            original = integer(block, "original_max_position_embeddings", name + ".original_max_position_embeddings");
            if (original != null && topOriginal != null && !original.equals(topOriginal)) {
                throw new IllegalArgumentException("'original_max_position_embeddings' (" + topOriginal + ") and '"
                        + name + ".original_max_position_embeddings' (" + original + ") disagree; keep one");
            }
            original = original != null ? original : topOriginal != null ? topOriginal : maxPositions;
        }
        try {
            return switch (type) {
                case "default" -> null;
                case "linear" -> new RopeScaling.Linear(required(block, "factor", name, type));
                case "llama3" -> new RopeScaling.Llama3(required(block, "factor", name, type),
                        required(block, "low_freq_factor", name, type), required(block, "high_freq_factor", name, type),
                        original);
                default -> yarn(block, name, original);
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + name + "' (rope_type " + type + "): " + e.getMessage(), e);
        }
    }

    private static RopeScaling.Yarn yarn(JsonNode block, String name, int original) {
        JsonNode factor = block.get("factor");
        if (factor == null || factor.isNull()) {
            throw new IllegalArgumentException("missing required key 'factor' (transformers 5 falls back to"
                    + " max_position_embeddings / original_max_position_embeddings; write the factor you mean)");
        }
        Double betaFast = number(block, "beta_fast", name + ".beta_fast");
        Double betaSlow = number(block, "beta_slow", name + ".beta_slow");
        Boolean truncate = ConfigJson.bool(block, "truncate", name + ".truncate");
        return new RopeScaling.Yarn(number(block, "factor", name + ".factor"), original,
                betaFast != null ? betaFast : 32, betaSlow != null ? betaSlow : 1,
                number(block, "attention_factor", name + ".attention_factor"),
                number(block, "mscale", name + ".mscale"),
                number(block, "mscale_all_dim", name + ".mscale_all_dim"),
                truncate == null || truncate);
    }

    private static String ropeType(JsonNode block, String name) {
        String type = null;
        for (String key : List.of("rope_type", "type")) {
            JsonNode n = block.get(key);
            if (n == null || n.isNull()) {
                continue;
            }
            String value = ConfigJson.text(block, key, name + "." + key);
            if (type != null && !type.equals(value)) {
                throw new KeyException(name + ".type", "'" + name + ".rope_type' (" + type + ") and '" + name
                        + ".type' (" + value + ") disagree; keep rope_type");
            }
            type = value;
        }
        return type == null ? "default" : type;
    }

    private static double required(JsonNode block, String key, String name, String type) {
        Double v = number(block, key, name + "." + key);
        if (v == null) {
            throw new IllegalArgumentException("missing required key '" + key + "' for rope_type " + type);
        }
        return v;
    }

    /**
     * Writes transformers 4's layout (top-level {@code rope_theta} and {@code rope_scaling}, null when unscaled),
     * whichever layout was read: transformers 4 and 5 both read it the same way, while transformers 4 ignores
     * {@code rope_parameters} and would silently fall back to its default base.
     */
    public void write(ObjectNode config) {
        config.put("rope_theta", theta);
        if (scaling == null) {
            config.putNull("rope_scaling");
        } else {
            scaling.write(config.putObject("rope_scaling"));
        }
    }
}
