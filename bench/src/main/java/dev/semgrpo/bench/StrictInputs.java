package dev.semgrpo.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.bench.InputMutations.Kind;
import dev.semgrpo.bench.InputMutations.Mutation;
import dev.semgrpo.eval.judge.JudgeConfig;
import dev.semgrpo.eval.task.TaskConfig;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import dev.semgrpo.pipeline.PipelineConfig;
import dev.semgrpo.rewards.config.RewardConfig;
import dev.semgrpo.trainer.config.ConfigLoader;
import dev.semgrpo.trainer.config.Settings;
import dev.semgrpo.trainer.data.PromptDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * Reads every kind of YAML config and training JSONL the way the commands do, and classifies what a reader made of
 * a (mutated) input: the same contents as the valid file, different contents, a clean error that names the file, an
 * unclear error (no file in the message, or parser internals), or a crash (any other exception).
 */
public final class StrictInputs {
    /** The config kinds, each with the loader its command uses. */
    public enum ConfigKind {
        TRAINING, PIPELINE, REWARDS, TASK, JUDGE;

        /** The kind of a shipped config, by its folder and top-level keys. */
        public static ConfigKind of(Path file, JsonNode root) {
            String dir = file.getParent() == null ? "" : file.getParent().getFileName().toString();
            return switch (dir) {
                case "judge" -> JUDGE;
                case "rewards" -> REWARDS;
                case "tasks" -> TASK;
                default -> root.has("run") ? TRAINING : PIPELINE;
            };
        }
    }

    /** What a reader made of an input. */
    public enum Verdict {
        /** Read, with exactly the valid file's contents. */
        SAME,
        /** Read, with other contents: silently wrong unless the input is itself a valid, different file. */
        CHANGED,
        /** An IOException or IllegalArgumentException whose message names the file, in the user's words. */
        REJECTED,
        /** An IOException or IllegalArgumentException whose message lacks the file or shows parser internals. */
        UNCLEAR,
        /** Any other exception. */
        CRASH
    }

    /** A verdict and the message of the error (or what was read). */
    public record Outcome(Verdict verdict, String message) {
    }

    /**
     * The contents of a training run's inputs: the checked settings (with the data file's path as "DATA", so that
     * copies of one file compare equal) and every rendered example.
     */
    public record TrainingInputs(String settings, List<String> examples) {
    }

    private StrictInputs() {
    }

    /**
     * Reads {@code file} as {@code kind}; the result compares equal for equal contents.
     *
     * @param overrides {@code --set} overrides of a training config (a pipeline stage's config lacks the run name
     *     and model path that the pipeline sets)
     */
    public static Object read(ConfigKind kind, Path file, List<String> overrides) throws IOException {
        return switch (kind) {
            case TRAINING -> training(file, overrides);
            case PIPELINE -> PipelineConfig.load(file);
            case REWARDS -> RewardConfig.load(file);
            case TASK -> TaskConfig.load(file).config();
            case JUDGE -> JudgeConfig.load(file);
        };
    }

    /** The overrides that complete a pipeline stage's training config: run.name and model.path when absent. */
    public static List<String> stageDefaults(JsonNode root) {
        List<String> out = new ArrayList<>();
        if (!root.path("run").has("name")) {
            out.add("run.name=stage");
        }
        if (!root.path("model").has("path")) {
            out.add("model.path=model");
        }
        return out;
    }

    /**
     * A training config's settings (with an inline reward config), as {@code semgrpo train} checks them before it
     * builds a model.
     */
    public static List<Object> training(Path file, List<String> overrides) throws IOException {
        boolean grpo = ConfigLoader.tree(file, overrides).has("grpo");
        ConfigLoader.Loaded l = ConfigLoader.load(file, overrides, grpo);
        return Arrays.asList(l.settings(), l.rewards());
    }

    /**
     * A training config and its data as {@code semgrpo train sft} reads them: the settings, then every record of
     * {@code data.path} rendered by the config's tokenizer ({@code model.init.tokenizer}).
     */
    public static TrainingInputs trainingWithData(Path file, List<String> overrides) throws IOException {
        Settings s = (Settings) training(file, overrides).get(0);
        Path tokenizer = Path.of(s.model().init().tokenizer()).getParent();
        PromptDataset d = PromptDataset.load(s.data(), TextTokenizer.load(tokenizer), s.run().seed());
        List<String> examples = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            PromptDataset.Example e = d.at(i);
            examples.add(e.index() + "|" + e.promptText() + "|" + Arrays.toString(e.promptIds()) + "|"
                    + e.reference() + "|" + Arrays.toString(e.completionIds()));
        }
        return new TrainingInputs(s.toString().replace(s.data().path().toString(), "DATA"), examples);
    }

    /**
     * Whether a strict reader may have made {@code o} of {@code m}: the valid file's contents, a clean error (for
     * bytes that are not UTF-8, one naming the file and line), or other contents only for a truncation.
     */
    public static boolean acceptable(Mutation m, Path file, Outcome o) {
        if (m.kind() == Kind.NOT_UTF8) {
            return o.verdict() == Verdict.REJECTED
                    && o.message().matches("(?s).*" + Pattern.quote(file.getFileName().toString())
                    + ":\\d+: not valid UTF-8.*");
        }
        return o.verdict() == Verdict.SAME || o.verdict() == Verdict.REJECTED
                || (o.verdict() == Verdict.CHANGED && m.kind().mayChangeContent());
    }

    /** Runs {@code read} on the mutated {@code file} and compares its result with {@code valid}. */
    public static Outcome classify(Object valid, Path file, Callable<?> read) {
        try {
            Object got = read.call();
            return got.equals(valid) ? new Outcome(Verdict.SAME, "")
                    : new Outcome(Verdict.CHANGED, String.valueOf(got));
        } catch (IOException | IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            boolean clean = m.contains(file.getFileName().toString()) && !m.contains("com.fasterxml")
                    && !m.contains("`java.") && !m.contains("dev.semgrpo.") && m.length() < 4000
                    && !(e instanceof JsonProcessingException);
            return new Outcome(clean ? Verdict.REJECTED : Verdict.UNCLEAR, e.getClass().getSimpleName() + ": " + m);
        } catch (Exception | StackOverflowError e) {
            return new Outcome(Verdict.CRASH, e.getClass().getName() + ": " + e.getMessage());
        }
    }
}
