package dev.semgrpo.rewards.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.ConfigPath;
import dev.semgrpo.model.io.YamlConfig;
import dev.semgrpo.rewards.text.Bleu.Smooth;
import dev.semgrpo.rewards.text.Bleu.Smoothing;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A reward configuration (YAML): the sentence encoder and a weighted list of reward functions. Keys are snake_case;
 * unknown keys are errors. See {@code docs/rewards.md} for every field.
 *
 * @param encoder the sentence encoder the semantic rewards share (required when one is configured)
 * @param rewards the weighted functions; the total is their weighted sum
 */
public record RewardConfig(Encoder encoder, List<Reward> rewards) {
    public RewardConfig {
        if (rewards == null || rewards.isEmpty()) {
            throw new IllegalArgumentException("'rewards' must list at least one reward function");
        }
        rewards = List.copyOf(rewards);
        boolean semantic = rewards.stream().anyMatch(r -> r instanceof Semantic);
        if (semantic && (encoder == null || encoder.path() == null || encoder.path().isBlank())) {
            throw new IllegalArgumentException("a semantic reward needs 'encoder.path' (a sentence-transformers"
                    + " directory)");
        }
    }

    /**
     * @param path sentence-transformers or HF encoder directory, relative to the config file
     * @param backend native (default) or onnx
     * @param batchSize texts per forward (default 64)
     * @param prompt prefix put before every text, e.g. "query: " (default none)
     * @param promptName a prompt named in config_sentence_transformers.json, instead of {@code prompt}
     * @param device cpu (default), gpu or gpu:N
     * @param dtype float32 (default) or float16
     * @param maxSeqLength override of the directory's max_seq_length
     * @param pooling pooling when the directory has no Pooling module (default mean)
     * @param cacheSize reference embeddings kept across steps (default 100000)
     */
    public record Encoder(@ConfigPath String path, String backend, Integer batchSize, String prompt, String promptName,
            String device, String dtype, Integer maxSeqLength, String pooling, Integer cacheSize) {
    }

    /** One weighted reward function; {@code type} selects it. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({@JsonSubTypes.Type(value = Semantic.class, name = "semantic"),
            @JsonSubTypes.Type(value = Language.class, name = "language"),
            @JsonSubTypes.Type(value = Chrf.class, name = "chrf"),
            @JsonSubTypes.Type(value = Bleu.class, name = "bleu"),
            @JsonSubTypes.Type(value = Length.class, name = "length"),
            @JsonSubTypes.Type(value = Repetition.class, name = "repetition"),
            @JsonSubTypes.Type(value = Custom.class, name = "class"),
            @JsonSubTypes.Type(value = Http.class, name = "http")})
    public sealed interface Reward permits Semantic, Language, Chrf, Bleu, Length, Repetition, Custom, Http {
        /** Name in logs (defaults to the type). */
        String name();

        /** Weight in the sum (default 1). */
        Double weight();

        default double weightOr1() {
            return weight() == null ? 1.0 : weight();
        }
    }

    /**
     * The paper's R_sim.
     *
     * @param tau a number in [-1, 1), or "auto" (a percentile of similarity on {@code calibration})
     * @param calibration JSONL with completion and reference(s), for tau: auto (relative to the config file)
     * @param percentile the percentile for tau: auto (default 10)
     * @param tauFloor the smallest tau that tau: auto may give, in [-1, 1) (default 0: a similarity at or below 0
     *     is never paid); only with tau: auto
     */
    public record Semantic(String name, Double weight, JsonNode tau, @ConfigPath String calibration, Double percentile,
            Double tauFloor) implements Reward {
        public Semantic {
            boolean number = tau != null && tau.isNumber() && Double.isFinite(tau.doubleValue());
            if (tau != null && !tau.isNull() && !number && !"auto".equals(tau.textValue())) {
                throw new IllegalArgumentException("semantic 'tau' must be a number in [-1, 1) or auto, found "
                        + tau + "; write the number without quotes");
            }
        }
    }

    /**
     * The paper's R_lang.
     *
     * @param scripts target Unicode scripts (e.g. [tibetan])
     * @param threshold share of letters that must be in the target scripts (default 0.9)
     * @param soft give min(1, share / threshold) instead of 0/1
     */
    public record Language(String name, Double weight, List<String> scripts, Double threshold, Boolean soft)
            implements Reward {
    }

    /** Sentence chrF / 100 (word_order 2 for chrF++). */
    public record Chrf(String name, Double weight, Integer charOrder, Integer wordOrder, Double beta)
            implements Reward {
    }

    /**
     * Sentence BLEU / 100 as sacreBLEU's {@code sentence_bleu}.
     *
     * @param tokenize 13a (default), zh, char or none
     * @param smooth exp (default), none, floor or add-k
     * @param smoothValue for floor (default 0.1) and add-k (default 1) only
     * @param effectiveOrder average over the orders the completion has n-grams of (default true)
     */
    public record Bleu(String name, Double weight, String tokenize, String smooth, Double smoothValue,
            Boolean effectiveOrder) implements Reward {
        public Bleu {
            smoothing(smooth, smoothValue);
        }

        /** The smoothing method and value this reward uses. */
        public Smoothing smoothing() {
            return smoothing(smooth, smoothValue);
        }

        private static Smoothing smoothing(String smooth, Double value) {
            Smooth method = smooth == null ? Smooth.EXP : Smooth.parse(smooth);
            if (value != null && !method.takesValue()) {
                throw new IllegalArgumentException("bleu 'smooth_value' applies only to smooth: floor or add-k, "
                        + "found smooth: " + method.label() + " with smooth_value " + value
                        + "; remove smooth_value or choose floor or add-k");
            }
            return value == null ? Smoothing.of(method) : new Smoothing(method, value);
        }
    }

    /** Batch-relative length penalty beyond k x the batch median (default k = 2). */
    public record Length(String name, Double weight, Double k) implements Reward {
    }

    /** Repeated n-gram penalty over words or characters (default n = 3, unit word). */
    public record Repetition(String name, Double weight, Integer n, String unit) implements Reward {
    }

    /**
     * A reward function written as a Java class ({@code type: class}), as TRL users write reward functions: a public
     * class on the classpath implementing {@code dev.semgrpo.rewards.RewardFunction} ({@link
     * dev.semgrpo.rewards.custom.ClassRewards}).
     *
     * @param name name in logs (default: the function's own {@code name()})
     * @param className its fully qualified name (key {@code class}), e.g. com.example.MyReward
     * @param args passed to its public constructor taking a {@code java.util.Map}; without args, its public
     *     no-argument constructor is used
     */
    public record Custom(String name, Double weight, @JsonProperty("class") String className,
            Map<String, Object> args) implements Reward {
        public Custom {
            if (className == null || !JAVA_NAME.matcher(className).matches()) {
                throw new IllegalArgumentException("a reward of type class needs 'class': the fully qualified name of"
                        + " a class implementing dev.semgrpo.rewards.RewardFunction, e.g. com.example.MyReward, found "
                        + (className == null ? "none" : "'" + className + "'"));
            }
            if (args != null) {
                args = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(args));
            }
        }
    }

    private static final java.util.regex.Pattern JAVA_NAME = java.util.regex.Pattern.compile(
            "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*(?:[.$]\\p{javaJavaIdentifierStart}"
                    + "\\p{javaJavaIdentifierPart}*)*");

    /**
     * A remote scorer ({@code type: http}, {@link dev.semgrpo.rewards.custom.HttpReward}): batches are POSTed as JSON
     * and the reply gives one reward per completion; the protocol is in docs/rewards.md.
     *
     * @param url the endpoint (http or https)
     * @param timeoutS seconds per request (default 60)
     * @param maxRetries retries of transport errors, 429 and 5xx, with exponential backoff (default 3)
     * @param apiKeyEnv environment variable whose value is sent as {@code Authorization: Bearer <key>} (default none)
     * @param batchSize completions per request (default 64)
     */
    public record Http(String name, Double weight, String url, Double timeoutS, Integer maxRetries, String apiKeyEnv,
            Integer batchSize) implements Reward {
        public Http {
            options(url, timeoutS, maxRetries, apiKeyEnv, batchSize);
        }

        /** The checked client options, with the defaults applied. */
        public dev.semgrpo.rewards.custom.HttpReward.Options options() {
            return options(url, timeoutS, maxRetries, apiKeyEnv, batchSize);
        }

        private static dev.semgrpo.rewards.custom.HttpReward.Options options(String url, Double timeoutS,
                Integer maxRetries, String apiKeyEnv, Integer batchSize) {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("a reward of type http needs 'url', e.g."
                        + " http://127.0.0.1:8000/score");
            }
            java.net.URI uri;
            try {
                uri = new java.net.URI(url);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("http reward 'url' is not a URL: " + e.getMessage());
            }
            if (timeoutS != null && !(timeoutS > 0 && timeoutS <= 86_400)) {
                throw new IllegalArgumentException("http reward 'timeout_s' must be in (0, 86400], found " + timeoutS);
            }
            if (apiKeyEnv != null && apiKeyEnv.isBlank()) {
                throw new IllegalArgumentException("http reward 'api_key_env' must name an environment variable,"
                        + " found an empty string; remove it for a server without authentication");
            }
            var d = dev.semgrpo.rewards.custom.HttpReward.Options.of(uri);
            try {
                return new dev.semgrpo.rewards.custom.HttpReward.Options(uri, timeoutS == null ? d.timeout()
                        : java.time.Duration.ofMillis(Math.round(timeoutS * 1000)), maxRetries == null ? d.maxRetries()
                        : maxRetries, batchSize == null ? d.batchSize() : batchSize, apiKeyEnv, d.firstBackoff(),
                        d.maxBackoff());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("http reward " + e.getMessage(), e);
            }
        }
    }

    /** The reward types, for errors that name an unknown one. */
    public static final String TYPES = "semantic, language, chrf, bleu, length, repetition, class or http";
    /** A reward config file, for {@link YamlConfig}. */
    public static final YamlConfig.Kind KIND = new YamlConfig.Kind("reward config", "a mapping with encoder and rewards",
            TYPES, "reward type");

    /**
     * Reads a YAML file strictly ({@link YamlConfig}); errors name the file, the line and the key path. Relative
     * paths ({@code encoder.path}, {@code calibration}) are made absolute against the file's folder.
     */
    public static RewardConfig load(Path file) throws IOException {
        return YamlConfig.load(file, RewardConfig.class, KIND);
    }

    /** Parses YAML text (for tests); errors name the line and the key path; relative paths stay relative. */
    public static RewardConfig parse(String yaml) throws IOException {
        YamlConfig.Source s = YamlConfig.Source.text("reward config", yaml);
        try {
            return YamlConfig.bind(YamlConfig.read(s, KIND), RewardConfig.class, s, "", KIND);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * This config with {@code encoder.path} replaced (a pipeline's own trained encoder, a command's {@code
     * --encoder}); null keeps it. A relative path is taken from the working directory, as a command line means it.
     */
    public RewardConfig withEncoderPath(Path path) {
        if (path == null) {
            return this;
        }
        Encoder e = encoder == null ? new Encoder(null, null, null, null, null, null, null, null, null, null) : encoder;
        return new RewardConfig(new Encoder(path.toAbsolutePath().normalize().toString(), e.backend(), e.batchSize(), e.prompt(), e.promptName(),
                e.device(), e.dtype(), e.maxSeqLength(), e.pooling(), e.cacheSize()), rewards);
    }

    /**
     * This config with every semantic reward's {@code calibration} file replaced (a pipeline's cold-start outputs);
     * null keeps them. A relative path is taken from the working directory.
     */
    public RewardConfig withCalibration(Path file) {
        if (file == null) {
            return this;
        }
        List<Reward> out = rewards.stream().map(r -> r instanceof Semantic s ? (Reward) new Semantic(s.name(),
                s.weight(), s.tau(), file.toAbsolutePath().normalize().toString(), s.percentile(), s.tauFloor()) : r).toList();
        return new RewardConfig(encoder, out);
    }
}
