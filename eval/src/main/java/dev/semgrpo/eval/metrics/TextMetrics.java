package dev.semgrpo.eval.metrics;

import dev.semgrpo.eval.results.ExampleRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link TextMetric}s from the names task configs use.
 *
 * <p>Grammar: {@code name[:key=value[,key=value]...]}. A value is either bare (no comma, surrounding spaces
 * dropped) or quoted in single quotes, where {@code ''} stands for one quote and commas, colons and equals signs
 * are literal (regexes: {@code ignore='\$'}). Booleans are {@code true}/{@code false}. Names and keys are
 * case-sensitive.
 *
 * <table>
 * <caption>Metrics and options (defaults in brackets)</caption>
 * <tr><th>name</th><th>metric</th><th>options</th></tr>
 * <tr><td>{@code bleu}</td><td>sacreBLEU corpus BLEU ({@link BleuMetric})</td>
 *     <td>{@code tok}=13a|zh|char|none [13a], {@code lc} [false], {@code smooth}=exp|none|floor|add-k [exp],
 *     {@code smooth_value} (floor [0.1] and add-k [1] only), {@code eff} (effective order) [false]</td></tr>
 * <tr><td>{@code chrf}, {@code chrf++}</td><td>sacreBLEU corpus chrF, chrF++ ({@link ChrfMetric})</td>
 *     <td>{@code nc} [6], {@code nw} [0 for chrf, 2 for chrf++], {@code beta} [2], {@code lc} [false]</td></tr>
 * <tr><td>{@code rouge_l}</td><td>rouge-score ROUGE-L F1, 0..1 ({@link RougeL})</td>
 *     <td>{@code tok}=char|whitespace|default [char]</td></tr>
 * <tr><td>{@code squad_em}, {@code squad_f1}</td><td>SQuAD v1.1 EM / F1, 0..100 ({@link QaMetrics})</td>
 *     <td>none</td></tr>
 * <tr><td>{@code cmrc_em}, {@code cmrc_f1}</td><td>CMRC 2018 EM / F1, 0..100 ({@link QaMetrics})</td>
 *     <td>none</td></tr>
 * <tr><td>{@code exact_match}</td><td>lm-evaluation-harness exact match, 0..1 ({@link ExactMatch})</td>
 *     <td>{@code extract}=gsm8k|gsm8k_cot|last_number or {@code pattern}='regex' with {@code select}=first|last
 *     [first for a pattern] and {@code fallback} [[invalid]]; {@code ref_extract}=preset or
 *     {@code ref_pattern}='regex'; {@code ignore_case} [false]; {@code ignore_punct} [false];
 *     {@code ignore}='regex' (repeatable, applied in order)</td></tr>
 * </table>
 *
 * <p>Also {@code gsm8k} (no options): {@link ExactMatch#gsm8k()}, the harness's GSM8K strict-match setting.
 * Examples: {@code bleu:tok=zh}, {@code bleu:tok=char,lc=true}, {@code chrf++}, {@code rouge_l:tok=whitespace},
 * {@code exact_match:extract=last_number,ignore=',',ignore='\$'}. A metric's {@link TextMetric#name()} is its
 * canonical spec: defaults left out, options in a fixed order.
 */
public final class TextMetrics {
    /** The metric names {@link #parse} knows. */
    public static final List<String> NAMES = List.of("bleu", "chrf", "chrf++", "rouge_l", "squad_em", "squad_f1",
            "cmrc_em", "cmrc_f1", "exact_match", "gsm8k");

    private TextMetrics() {
    }

    /** The metric a spec names; an {@link IllegalArgumentException} quoting the spec for anything unknown. */
    public static TextMetric parse(String spec) {
        Spec s = Spec.parse(spec);
        return switch (s.name) {
            case "bleu" -> BleuMetric.fromSpec(s);
            case "chrf", "chrf++" -> ChrfMetric.fromSpec(s);
            case "rouge_l" -> RougeL.fromSpec(s);
            case "squad_em", "squad_f1", "cmrc_em", "cmrc_f1" -> {
                s.allowOnly("");
                yield new QaMetrics(s.name.startsWith("squad") ? QaMetrics.Style.SQUAD : QaMetrics.Style.CMRC,
                        s.name.endsWith("em") ? QaMetrics.Measure.EM : QaMetrics.Measure.F1);
            }
            case "exact_match" -> ExactMatch.fromSpec(s);
            case "gsm8k" -> {
                s.allowOnly("");
                yield ExactMatch.gsm8k();
            }
            default -> throw s.error("unknown metric '" + s.name + "'; known metrics: " + String.join(", ", NAMES));
        };
    }

    /**
     * The metrics of several specs, in order; an error when two specs give metrics of the same name (their
     * per-example scores would overwrite each other).
     */
    public static List<TextMetric> parseAll(List<String> specs) {
        List<TextMetric> out = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (String spec : specs) {
            TextMetric m = parse(spec);
            String before = seen.putIfAbsent(m.name(), spec);
            if (before != null) {
                throw new IllegalArgumentException("metric specs '" + before + "' and '" + spec
                        + "' both name the metric '" + m.name() + "'; list it once");
            }
            out.add(m);
        }
        return out;
    }

    /**
     * {@code signature} as {@link TextMetric#summarize} signs it over {@code records}: its {@code nrefs:} field (the
     * one part that depends on the records) recomputed; a signature without one is returned as it is. Used when
     * shards' records are merged.
     */
    public static String resign(String signature, List<ExampleRecord> records) {
        if (signature == null) {
            return null;
        }
        String[] fields = signature.split("\\|", -1);
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].startsWith("nrefs:")) {
                fields[i] = "nrefs:" + Spec.nrefs(records);
            }
        }
        return String.join("|", fields);
    }
}
