package dev.semgrpo.rewards.config;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.rewards.CombinedReward;
import dev.semgrpo.rewards.LanguageReward;
import dev.semgrpo.rewards.LengthPenalty;
import dev.semgrpo.rewards.RepetitionPenalty;
import dev.semgrpo.rewards.RewardFunction;
import dev.semgrpo.rewards.RewardSample;
import dev.semgrpo.rewards.Scripts;
import dev.semgrpo.rewards.SemanticReward;
import dev.semgrpo.rewards.TextOverlapReward;
import dev.semgrpo.rewards.custom.ClassRewards;
import dev.semgrpo.rewards.custom.HttpReward;
import dev.semgrpo.rewards.custom.NamedReward;
import dev.semgrpo.rewards.encoder.PooledSentenceEncoder;
import dev.semgrpo.rewards.encoder.Pooling;
import dev.semgrpo.rewards.encoder.SentenceEncoders;
import dev.semgrpo.rewards.text.Bleu;
import dev.semgrpo.rewards.text.Chrf;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The reward functions a {@link RewardConfig} describes, built and ready, with the encoder they share. */
public final class RewardStack implements AutoCloseable {
    private final CombinedReward reward;
    private final PooledSentenceEncoder encoder;
    private final Map<String, Double> taus;
    private final Map<String, SemanticReward.TauCalibration> calibrations;

    private RewardStack(CombinedReward reward, PooledSentenceEncoder encoder, Map<String, Double> taus,
            Map<String, SemanticReward.TauCalibration> calibrations) {
        this.reward = reward;
        this.encoder = encoder;
        this.taus = taus;
        this.calibrations = calibrations;
    }

    public CombinedReward reward() {
        return reward;
    }

    /** The shared encoder, or null when no reward needs one. */
    public PooledSentenceEncoder encoder() {
        return encoder;
    }

    /** The tau each semantic reward uses (after calibration). */
    public Map<String, Double> taus() {
        return taus;
    }

    /** What calibration found for each semantic reward with {@code tau: auto} (percentile value, floor, tau). */
    public Map<String, SemanticReward.TauCalibration> calibrations() {
        return calibrations;
    }

    /**
     * {@code cfg} (the config this stack was built from) with every {@code tau: auto} replaced by the tau this stack
     * calibrated, and its {@code tau_floor} (which applies only to auto) dropped; {@code calibration} and
     * {@code percentile} stay as the record of where the number came from (a number tau ignores them). What a run
     * records, so that it repeats or resumes with the same tau without the calibration file.
     */
    public RewardConfig withCalibratedTaus(RewardConfig cfg) {
        List<RewardConfig.Reward> out = new ArrayList<>();
        for (RewardConfig.Reward r : cfg.rewards()) {
            SemanticReward.TauCalibration cal = calibrations.get(r.name() != null ? r.name() : typeName(r));
            if (r instanceof RewardConfig.Semantic s && cal != null) {
                out.add(new RewardConfig.Semantic(s.name(), s.weight(),
                        com.fasterxml.jackson.databind.node.DoubleNode.valueOf(cal.tau()), s.calibration(),
                        s.percentile(), null));
            } else {
                out.add(r);
            }
        }
        return new RewardConfig(cfg.encoder(), out);
    }

    /**
     * Builds the stack.
     *
     * @param baseDir relative paths in the config resolve against it (the config file's folder; a config from
     *     {@link RewardConfig#load} or a training config holds absolute paths already). A pipeline's own encoder and
     *     calibration file come in the config itself ({@link RewardConfig#withEncoderPath}, {@link
     *     RewardConfig#withCalibration}).
     */
    public static RewardStack build(RewardConfig cfg, Path baseDir) throws IOException {
        return build(cfg, baseDir, System::getenv);
    }

    /**
     * Builds the stack with {@code env} as the environment (an http reward's {@code api_key_env} is read through it).
     */
    public static RewardStack build(RewardConfig cfg, Path baseDir, java.util.function.Function<String, String> env)
            throws IOException {
        PooledSentenceEncoder encoder = null;
        boolean semantic = cfg.rewards().stream().anyMatch(r -> r instanceof RewardConfig.Semantic);
        RewardConfig.Encoder e = cfg.encoder();
        String prefix = "";
        if (semantic) {
            Path path = baseDir.resolve(e.path());
            SentenceEncoders.Backend backend = e.backend() == null ? SentenceEncoders.Backend.NATIVE
                    : parseEnum(SentenceEncoders.Backend.class, e.backend(), "encoder.backend");
            DataType dtype = e.dtype() == null || e.dtype().equals("float32") ? DataType.FLOAT32
                    : e.dtype().equals("float16") ? DataType.FLOAT16 : null;
            if (dtype == null) {
                throw new IllegalArgumentException("encoder.dtype must be float32 or float16, found '" + e.dtype() + "'");
            }
            encoder = SentenceEncoders.open(path, new SentenceEncoders.Options(backend, Torch.device(e.device(), "encoder.device"), dtype,
                    e.batchSize() == null ? 64 : e.batchSize(), e.pooling() == null ? Pooling.MEAN
                            : Pooling.parse(e.pooling()), e.maxSeqLength()));
            prefix = e.prompt() != null ? e.prompt() : encoder.spec().prefix(e.promptName());
        }
        List<CombinedReward.Weighted> parts = new ArrayList<>();
        Map<String, Double> taus = new java.util.LinkedHashMap<>();
        Map<String, SemanticReward.TauCalibration> calibrations = new java.util.LinkedHashMap<>();
        try {
            for (RewardConfig.Reward r : cfg.rewards()) {
                String name = r.name() != null ? r.name() : typeName(r);
                RewardFunction f;
                if (r instanceof RewardConfig.Semantic s) {
                    SemanticReward.TauCalibration cal = calibrate(s, name, encoder, prefix, baseDir);
                    double tau = cal != null ? cal.tau() : s.tau().asDouble();
                    if (cal != null) {
                        calibrations.put(name, cal);
                    }
                    taus.put(name, tau);
                    f = new SemanticReward(name, encoder, tau, prefix, e.cacheSize() == null ? 100_000 : e.cacheSize());
                } else if (r instanceof RewardConfig.Custom c) {
                    f = NamedReward.of(r.name(), ClassRewards.load(r.name(),
                            c.className(), c.args(), classLoader()));
                } else if (r instanceof RewardConfig.Http h) {
                    f = new HttpReward(name, h.options(), env);
                } else {
                    f = simple(r, name);
                }
                parts.add(new CombinedReward.Weighted(f, r.weightOr1()));
            }
            return new RewardStack(new CombinedReward(parts), encoder, taus, calibrations);
        } catch (IOException | RuntimeException ex) {
            if (encoder != null) {
                encoder.close();
            }
            throw ex;
        }
    }

    /** Reward functions that need no encoder. */
    private static RewardFunction simple(RewardConfig.Reward r, String name) {
        if (r instanceof RewardConfig.Language l) {
            return new LanguageReward(name, Scripts.parse(l.scripts() == null ? List.of() : l.scripts()),
                    l.threshold() == null ? 0.9 : l.threshold(), l.soft() != null && l.soft());
        }
        if (r instanceof RewardConfig.Chrf c) {
            return TextOverlapReward.chrf(name, new Chrf(c.charOrder() == null ? 6 : c.charOrder(),
                    c.wordOrder() == null ? 0 : c.wordOrder(), c.beta() == null ? 2 : c.beta()));
        }
        if (r instanceof RewardConfig.Bleu b) {
            return TextOverlapReward.bleu(name, new Bleu(Bleu.Tokenize.parse(b.tokenize() == null ? "13a"
                    : b.tokenize()), b.smoothing(), b.effectiveOrder() == null || b.effectiveOrder()));
        }
        if (r instanceof RewardConfig.Length l) {
            return new LengthPenalty(name, l.k() == null ? 2 : l.k());
        }
        if (r instanceof RewardConfig.Repetition p) {
            return new RepetitionPenalty(name, p.n() == null ? 3 : p.n(), p.unit() == null
                    ? RepetitionPenalty.Unit.WORD : parseEnum(RepetitionPenalty.Unit.class, p.unit(), "repetition.unit"));
        }
        throw new IllegalStateException("unhandled reward type " + r.getClass().getSimpleName());
    }

    /** Checks the semantic reward's tau; returns its calibration for tau: auto, or null for a number. */
    private static SemanticReward.TauCalibration calibrate(RewardConfig.Semantic s, String name,
            PooledSentenceEncoder encoder, String prefix, Path baseDir) throws IOException {
        JsonNode t = s.tau();
        if (t == null || t.isNull()) {
            throw new IllegalArgumentException("reward '" + name + "' needs 'tau': a number in [-1, 1) or auto");
        }
        if (t.isNumber()) {
            if (s.tauFloor() != null) {
                throw new IllegalArgumentException("reward '" + name + "': tau_floor applies only to tau: auto, found"
                        + " tau " + t.asText() + " and tau_floor " + s.tauFloor() + "; remove tau_floor or set tau:"
                        + " auto");
            }
            return null;
        }
        double floor = s.tauFloor() == null ? SemanticReward.DEFAULT_TAU_FLOOR : s.tauFloor();
        if (!(floor >= -1 && floor < 1)) {
            throw new IllegalArgumentException("reward '" + name + "': tau_floor must be in [-1, 1), found " + floor);
        }
        Path calib = s.calibration() != null ? baseDir.resolve(s.calibration()) : null;
        if (calib == null) {
            throw new IllegalArgumentException("reward '" + name + "': tau: auto needs 'calibration' (JSONL with"
                    + " completion and reference, e.g. the cold-start model's outputs)");
        }
        List<RewardSample> samples = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.read(calib)) {
            samples.add(RewardSamples.fromJson(line.node(), calib + ":" + line.number()));
        }
        try {
            return SemanticReward.calibrateTau(encoder, samples, s.percentile() == null ? 10 : s.percentile(), floor,
                    prefix);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("reward '" + name + "' (calibration " + calib + "): " + ex.getMessage(),
                    ex);
        }
    }

    private static String typeName(RewardConfig.Reward r) {
        return r instanceof RewardConfig.Custom ? "class" : r.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    /** Where {@code type: class} rewards are looked for: the thread's context class loader, else this module's. */
    private static ClassLoader classLoader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : RewardStack.class.getClassLoader();
    }

    static <E extends Enum<E>> E parseEnum(Class<E> type, String value, String key) {
        for (E c : type.getEnumConstants()) {
            if (c.name().equalsIgnoreCase(value.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException(key + " must be one of " + java.util.Arrays.toString(
                type.getEnumConstants()).toLowerCase(Locale.ROOT) + ", found '" + value + "'");
    }

    @Override
    public void close() {
        if (encoder != null) {
            encoder.close();
        }
    }
}
