package dev.semgrpo.eval.metrics;

import dev.semgrpo.eval.results.Aggregate;
import dev.semgrpo.eval.results.ExampleRecord;
import dev.semgrpo.eval.results.MetricResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * lm-evaluation-harness exact match: an optional regex filter pulls the answer out of the model output (its
 * {@code regex} filter: all matches, the first or last taken, the match's group, {@code fallback} when nothing
 * matches), then its {@code exact_match} metric compares it with each reference after, in this order, deleting
 * every match of each {@code regexes_to_ignore} pattern, lowercasing ({@code ignore_case}) and deleting ASCII
 * punctuation ({@code ignore_punctuation}). The per-example score is 1 when any reference matches, else 0; the task
 * value is the mean (0..1, as the harness reports it).
 *
 * <p>Which part of a match is the answer (as the harness reads Python's {@code findall}): the whole match for a
 * pattern without groups, group 1 for one group, and for several groups the first non-empty one (none: the
 * fallback); the result is stripped of surrounding whitespace. References may optionally go through their own
 * extraction; a reference it does not match is an error (the data is not what the task expects).
 *
 * <p>Presets (spec option {@code extract}): {@code gsm8k} = the harness's GSM8K "strict-match"
 * {@code #### (\-?[0-9\.\,]+)}, first match; {@code gsm8k_cot} = GSM8K-CoT strict {@code The answer is
 * (\-?[0-9\.\,]+).}, first match; {@code last_number} = the "flexible-extract" {@code (-?[$0-9.,]{2,})|(-?[0-9]+)},
 * last match. The harness's GSM8K task compares with {@code ignore_case} and ignores {@code ,}, {@code \$},
 * {@code (?s).*#### } and {@code \.$}; {@link #gsm8k()} builds exactly that.
 */
public final class ExactMatch implements TextMetric {
    /** lm-evaluation-harness's default fallback for outputs the filter does not match. */
    public static final String INVALID = "[invalid]";

    /**
     * A regex extraction.
     *
     * @param preset the preset's name, or null for a custom pattern
     * @param pattern what to search for
     * @param last take the last match instead of the first
     * @param fallback the answer when nothing matches
     */
    public record Extraction(String preset, Pattern pattern, boolean last, String fallback) {
        public Extraction {
            if (pattern == null || fallback == null) {
                throw new IllegalArgumentException("an extraction needs a pattern and a fallback");
            }
        }

        /** A custom extraction (first match unless {@code last}) with the default fallback. */
        public static Extraction of(String regex, boolean last) {
            return new Extraction(null, compile(regex, "pattern"), last, INVALID);
        }

        /** The named preset ({@code gsm8k}, {@code gsm8k_cot}, {@code last_number}). */
        public static Extraction preset(String name) {
            return switch (name) {
                case "gsm8k" -> new Extraction(name, Pattern.compile("#### (\\-?[0-9\\.\\,]+)"), false, INVALID);
                case "gsm8k_cot" -> new Extraction(name, Pattern.compile("The answer is (\\-?[0-9\\.\\,]+)."), false,
                        INVALID);
                case "last_number" -> new Extraction(name, Pattern.compile("(-?[$0-9.,]{2,})|(-?[0-9]+)"), true,
                        INVALID);
                default -> throw new IllegalArgumentException("unknown extraction preset '" + name
                        + "'; choose gsm8k, gsm8k_cot or last_number, or give a pattern");
            };
        }

        /** The extracted answer, or {@code null} when nothing matches. */
        public String find(String text) {
            Matcher m = pattern.matcher(text);
            String found = null;
            boolean any = false;
            while (m.find()) {
                found = value(m);
                any = true;
                if (!last) {
                    break;
                }
            }
            if (!any) {
                return null;
            }
            return found == null ? fallback : found.strip();
        }

        /** The extracted answer, or the fallback when nothing matches. */
        public String apply(String text) {
            String s = find(text);
            return s == null ? fallback : s;
        }

        private static String value(Matcher m) {
            if (m.groupCount() == 0) {
                return m.group();
            }
            if (m.groupCount() == 1) {
                return m.group(1) == null ? "" : m.group(1);
            }
            for (int g = 1; g <= m.groupCount(); g++) {
                String s = m.group(g);
                if (s != null && !s.isEmpty()) {
                    return s;
                }
            }
            return null; // no group matched text: the harness takes the fallback
        }
    }

    private static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private final Extraction output;
    private final Extraction reference;
    private final boolean ignoreCase;
    private final boolean ignorePunctuation;
    private final List<Pattern> ignore;

    /**
     * Exact match.
     *
     * @param output extraction applied to model outputs, or null to compare whole outputs
     * @param reference extraction applied to references, or null to compare whole references
     * @param ignoreCase lowercase both sides
     * @param ignorePunctuation delete ASCII punctuation from both sides
     * @param regexesToIgnore patterns whose matches are deleted from both sides, in order, before the rest
     */
    public ExactMatch(Extraction output, Extraction reference, boolean ignoreCase, boolean ignorePunctuation,
            List<String> regexesToIgnore) {
        this.output = output;
        this.reference = reference;
        this.ignoreCase = ignoreCase;
        this.ignorePunctuation = ignorePunctuation;
        List<Pattern> ps = new ArrayList<>();
        for (String r : regexesToIgnore == null ? List.<String>of() : regexesToIgnore) {
            ps.add(compile(r, "ignore"));
        }
        this.ignore = List.copyOf(ps);
    }

    /** Plain exact match of whole strings. */
    public ExactMatch() {
        this(null, null, false, false, List.of());
    }

    /**
     * The harness's GSM8K strict-match: output extraction {@code gsm8k}, whole reference (its "#### " prefix is
     * ignored by regex), ignore case, regexes {@code ,}, {@code \$}, {@code (?s).*#### }, {@code \.$}.
     */
    public static ExactMatch gsm8k() {
        return new ExactMatch(Extraction.preset("gsm8k"), null, true, false,
                List.of(",", "\\$", "(?s).*#### ", "\\.$"));
    }

    /** Spec {@code exact_match} and its options (see {@link TextMetrics}). */
    static ExactMatch fromSpec(Spec spec) {
        spec.allowOnly("extract (gsm8k|gsm8k_cot|last_number), pattern ('regex'), select (first|last), "
                + "fallback (text, default [invalid]), ref_extract (preset), ref_pattern ('regex'), "
                + "ignore_case (true|false), ignore_punct (true|false), ignore ('regex', repeatable)",
                "extract", "pattern", "select", "fallback", "ref_extract", "ref_pattern", "ignore_case",
                "ignore_punct", "ignore");
        Extraction out = extraction(spec, "extract", "pattern", "select", "fallback");
        Extraction ref = extraction(spec, "ref_extract", "ref_pattern", null, null);
        try {
            return new ExactMatch(out, ref, spec.bool("ignore_case", false), spec.bool("ignore_punct", false),
                    spec.all("ignore"));
        } catch (IllegalArgumentException e) {
            throw spec.error(e.getMessage());
        }
    }

    private static Extraction extraction(Spec spec, String presetKey, String patternKey, String selectKey,
            String fallbackKey) {
        String preset = spec.get(presetKey, null);
        String regex = spec.get(patternKey, null);
        if (preset != null && regex != null) {
            throw spec.error("give either " + presetKey + " or " + patternKey + ", not both");
        }
        boolean custom = regex != null;
        if (!custom && preset == null) {
            for (String k : new String[] {selectKey, fallbackKey}) {
                if (k != null && spec.has(k)) {
                    throw spec.error("option '" + k + "' needs " + presetKey + " or " + patternKey);
                }
            }
            return null;
        }
        try {
            Extraction e = custom ? Extraction.of(regex, false) : Extraction.preset(preset);
            boolean last = e.last();
            if (selectKey != null && spec.has(selectKey)) {
                last = spec.choice(selectKey, "first", "first", "last").equals("last");
            }
            String fallback = fallbackKey == null ? INVALID : spec.get(fallbackKey, INVALID);
            String name = custom || last != e.last() || !fallback.equals(INVALID) ? null : preset;
            return new Extraction(name, e.pattern(), last, fallback);
        } catch (IllegalArgumentException ex) {
            throw spec.error(ex.getMessage());
        }
    }

    private static Pattern compile(String regex, String what) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(what + " '" + regex + "' is not a valid regex: "
                    + e.getDescription() + " near index " + e.getIndex());
        }
    }

    @Override
    public String name() {
        Spec.Writer w = new Spec.Writer("exact_match");
        if (output != null) {
            writeExtraction(w, output, "extract", "pattern", true);
        }
        if (reference != null) {
            writeExtraction(w, reference, "ref_extract", "ref_pattern", false);
        }
        if (ignoreCase) {
            w.add("ignore_case", "true");
        }
        if (ignorePunctuation) {
            w.add("ignore_punct", "true");
        }
        for (Pattern p : ignore) {
            w.add("ignore", p.pattern());
        }
        return w.toString();
    }

    private static void writeExtraction(Spec.Writer w, Extraction e, String presetKey, String patternKey,
            boolean full) {
        if (e.preset() != null) {
            w.add(presetKey, e.preset());
            return;
        }
        w.add(patternKey, e.pattern().pattern());
        if (full) {
            if (e.last()) {
                w.add("select", "last");
            }
            if (!e.fallback().equals(INVALID)) {
                w.add("fallback", e.fallback());
            }
        }
    }

    /** The answer taken from a model output (after extraction, before normalisation). */
    public String extractOutput(String text) {
        return output == null ? text : output.apply(text);
    }

    /** The answer taken from a reference; an error when the reference extraction does not match it. */
    public String extractReference(String text) {
        if (reference == null) {
            return text;
        }
        String s = reference.find(text);
        if (s == null) {
            throw new IllegalArgumentException("metric '" + name() + "': reference '" + abbreviate(text)
                    + "' does not match the reference pattern '" + reference.pattern().pattern()
                    + "'; fix the data or drop ref_extract/ref_pattern");
        }
        return s;
    }

    /** The comparison form: ignored regexes deleted, then case and punctuation as configured. */
    public String normalize(String text) {
        String s = text;
        for (Pattern p : ignore) {
            s = p.matcher(s).replaceAll("");
        }
        if (ignoreCase) {
            s = s.toLowerCase(Locale.ROOT);
        }
        if (ignorePunctuation) {
            StringBuilder sb = new StringBuilder(s.length());
            s.codePoints().filter(c -> ASCII_PUNCTUATION.indexOf(c) < 0).forEach(sb::appendCodePoint);
            s = sb.toString();
        }
        return s;
    }

    /** 1 when the output's answer equals any reference's answer after normalisation, else 0. */
    public double match(String output, List<String> references) {
        Spec.requireReferences(name(), output, references);
        String pred = normalize(extractOutput(output));
        for (String r : references) {
            if (pred.equals(normalize(extractReference(r)))) {
                return 1;
            }
        }
        return 0;
    }

    @Override
    public void score(String output, List<String> references, Map<String, Double> scores,
            Map<String, long[]> stats) {
        scores.put(name(), match(output, references));
    }

    @Override
    public MetricResult summarize(List<ExampleRecord> examples) {
        Aggregate aggregate = new Aggregate.Mean(name());
        return new MetricResult(name(), aggregate.compute(examples), aggregate, true,
                "nrefs:" + Spec.nrefs(examples) + "|version:lm-eval-harness-compat");
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    @Override
    public String toString() {
        return name();
    }
}
