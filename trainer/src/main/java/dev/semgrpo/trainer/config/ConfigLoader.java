package dev.semgrpo.trainer.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.io.YamlConfig;
import dev.semgrpo.rewards.config.RewardConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a training config ({@link TrainConfig}) with the one config loader ({@link YamlConfig}): YAML, then {@code --set
 * a.b.c=value} overrides, TRL/PEFT aliases renamed to our keys, paths made absolute against the file's folder, strict
 * binding, then {@link Settings#of}'s checks; errors name the file, the line of the key path (or the {@code --set}
 * that set it), the value found and what is allowed. A GRPO config's {@code rewards} (a file or inline) is read into a
 * typed {@link RewardConfig} here, once.
 */
public final class ConfigLoader {
    /** The mapper of every config (see {@link YamlConfig#YAML}). */
    public static final ObjectMapper YAML = YamlConfig.YAML;
    /** A training config file, for {@link YamlConfig}. */
    public static final YamlConfig.Kind KIND = new YamlConfig.Kind("config file",
            "a mapping of sections (run, model, data, optim, ...)");

    /**
     * A training config, loaded.
     *
     * @param settings every value, defaults applied and checked; {@link Settings#config()} is what the run records
     * @param rewards the GRPO run's reward config (absolute paths), or null for SFT
     */
    public record Loaded(Settings settings, RewardConfig rewards) {
    }

    private ConfigLoader() {
    }

    /** Reads, overrides, binds and checks {@code file} as a GRPO ({@code grpo}) or SFT config. */
    public static Loaded load(Path file, List<String> overrides, boolean grpo) throws IOException {
        YamlConfig.Source s = YamlConfig.Source.file(file, KIND.noun(), overrides);
        return load(tree(s, file), s, file.toAbsolutePath().getParent(), grpo);
    }

    /** {@link #tree(YamlConfig.Source, Path)} of a file with {@code overrides}. */
    public static ObjectNode tree(Path file, List<String> overrides) throws IOException {
        return tree(YamlConfig.Source.file(file, KIND.noun(), overrides), file);
    }

    /**
     * The tree of a source with its overrides applied, aliases renamed and paths made absolute against {@code file}'s
     * folder: what a caller may still change (a pipeline sets each stage's run name, model and seed) before {@link
     * #load(ObjectNode, YamlConfig.Source, Path, boolean)}.
     */
    public static ObjectNode tree(YamlConfig.Source s, Path file) throws IOException {
        return YamlConfig.resolved(YamlConfig.read(s, KIND), TrainConfig.class, s, file);
    }

    /**
     * Binds and checks a tree from {@link #tree}; errors name {@code s}'s file and the line of the key.
     *
     * @param baseDir the config file's folder (the default {@code run.output_dir} is its {@code runs})
     */
    public static Loaded load(ObjectNode tree, YamlConfig.Source s, Path baseDir, boolean grpo) throws IOException {
        TrainConfig c = YamlConfig.bind(tree, TrainConfig.class, s, "", KIND);
        Settings settings;
        try {
            settings = Settings.of(c, baseDir, grpo);
        } catch (IllegalArgumentException e) {
            throw s.error(e.getMessage(), e);
        }
        return new Loaded(settings, grpo ? rewards(c.rewards(), s) : null);
    }

    /** Binds an in-memory tree without {@link Settings#of}'s checks (tests, benchmarks); errors start with {@code where}. */
    public static TrainConfig bind(ObjectNode tree, String where) {
        return YamlConfig.bind(tree, TrainConfig.class, new YamlConfig.Source(where, null, List.of()), "", KIND);
    }

    /** A GRPO config's {@code rewards}: a reward config file (absolute by now) or an inline mapping. */
    private static RewardConfig rewards(JsonNode node, YamlConfig.Source s) throws IOException {
        if (node.isTextual()) {
            return RewardConfig.load(Path.of(node.asText()));
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(s.name() + ": " + s.where("rewards") + "rewards must be a reward config"
                    + " file or a mapping, found " + node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        return YamlConfig.bind(node, RewardConfig.class, s, "rewards", RewardConfig.KIND);
    }

    /**
     * What a run records as its {@code config.resolved.yaml}: every effective value ({@link Settings#toConfig}), with
     * the rewards the run used inline (so that the run directory alone repeats or resumes it).
     */
    public static ObjectNode resolved(Settings s, RewardConfig rewards) {
        TrainConfig c = s.toConfig();
        return YamlConfig.toTree(rewards == null ? c : c.withRewards(YamlConfig.toTree(rewards)));
    }

    /** Writes a config tree as YAML (callers write through a temporary file). */
    public static void write(Path file, JsonNode tree) throws IOException {
        YamlConfig.write(file, tree);
    }
}
