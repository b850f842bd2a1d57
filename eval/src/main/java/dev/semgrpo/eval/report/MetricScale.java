package dev.semgrpo.eval.report;

import java.util.Locale;

/**
 * The scale or unit of a report metric, as its table rows and chart axes show it: chrF and BLEU 0-100, ROUGE-L
 * 0-1, similarity a cosine in -1..1, SQuAD/CMRC EM and F1 0-100 (the official scripts' scale), exact match,
 * accuracy and judge rates fractions 0-1, NLL and KL nats per token. A change in the alignment-tax and gain tables
 * is in the same unit as the metric.
 */
final class MetricScale {
    /** Shown for a metric this table does not know (a custom metric). */
    static final String UNKNOWN = "as the task computes it";

    private MetricScale() {
    }

    /**
     * The scale of a metric by its name (a name with options, such as {@code bleu(tok=zh)}, by its base name) and
     * its aggregate's kind.
     */
    static String of(String metric, String aggregate) {
        String name = base(metric);
        if ("corpus_bleu".equals(aggregate) || "corpus_chrf".equals(aggregate) || name.startsWith("bleu")
                || name.startsWith("chrf")) {
            return "0-100";
        }
        if (name.startsWith("rouge")) {
            return "0-1";
        }
        if (name.equals("similarity")) {
            return "cosine, -1 to 1";
        }
        if (name.endsWith("_em") || name.endsWith("_f1")) {
            return "0-100";
        }
        if (name.startsWith("nll") || name.startsWith("kl")) {
            return "nats per token";
        }
        if (name.startsWith("acc") || name.startsWith("exact_match") || name.endsWith("_rate")
                || name.equals("consistency")) {
            return "fraction, 0-1";
        }
        return UNKNOWN;
    }

    /** The unit of a per-token value ({@code nll}, {@code kl}) on a distribution chart's axis. */
    static String tokenUnit(String token) {
        String t = base(token);
        return t.startsWith("nll") || t.startsWith("kl") ? "nats" : UNKNOWN;
    }

    /** The name up to its options: letters, digits, '_' and '+'. */
    private static String base(String metric) {
        String m = metric.toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < m.length() && (Character.isLetterOrDigit(m.charAt(end)) || m.charAt(end) == '_'
                || m.charAt(end) == '+')) {
            end++;
        }
        return m.substring(0, end);
    }
}
