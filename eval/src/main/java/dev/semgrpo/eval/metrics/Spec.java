package dev.semgrpo.eval.metrics;

import dev.semgrpo.eval.results.ExampleRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed metric spec {@code name[:key=value,...]} (grammar in {@link TextMetrics}), with typed option getters
 * whose errors quote the spec, the option, the constraint and the value found. Also writes canonical specs.
 */
final class Spec {
    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_.+\\-]+");

    final String text;
    final String name;
    private final Map<String, List<String>> options;

    private Spec(String text, String name, Map<String, List<String>> options) {
        this.text = text;
        this.name = name;
        this.options = options;
    }

    static Spec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty metric spec; write a metric name such as 'bleu' or 'chrf++'");
        }
        String spec = text.strip();
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon).strip();
        Map<String, List<String>> options = new LinkedHashMap<>();
        if (colon >= 0) {
            int i = colon + 1;
            while (true) {
                int eq = spec.indexOf('=', i);
                if (eq < 0) {
                    throw error(spec, "option '" + spec.substring(i).strip() + "' has no '=value'");
                }
                String key = spec.substring(i, eq).strip();
                if (key.isEmpty()) {
                    throw error(spec, "an option has no name before '=' at character " + (eq + 1));
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 1;
                while (j < spec.length() && spec.charAt(j) == ' ') {
                    j++;
                }
                if (j < spec.length() && spec.charAt(j) == '\'') {
                    j++;
                    while (true) {
                        if (j >= spec.length()) {
                            throw error(spec, "the quoted value of option '" + key + "' has no closing quote");
                        }
                        char c = spec.charAt(j++);
                        if (c == '\'') {
                            if (j < spec.length() && spec.charAt(j) == '\'') {
                                value.append('\'');
                                j++;
                            } else {
                                break;
                            }
                        } else {
                            value.append(c);
                        }
                    }
                    while (j < spec.length() && spec.charAt(j) == ' ') {
                        j++;
                    }
                    if (j < spec.length() && spec.charAt(j) != ',') {
                        throw error(spec, "expected ',' after the quoted value of option '" + key + "', found '"
                                + spec.substring(j) + "'");
                    }
                } else {
                    int comma = spec.indexOf(',', j);
                    int end = comma < 0 ? spec.length() : comma;
                    value.append(spec, j, end);
                    j = end;
                    String v = value.toString().strip();
                    value.setLength(0);
                    value.append(v);
                }
                options.computeIfAbsent(key, k -> new ArrayList<>()).add(value.toString());
                if (j >= spec.length()) {
                    break;
                }
                i = j + 1; // past the comma
            }
        }
        return new Spec(spec, name, options);
    }

    static IllegalArgumentException error(String spec, String message) {
        return new IllegalArgumentException("metric spec '" + spec + "': " + message);
    }

    IllegalArgumentException error(String message) {
        return error(text, message);
    }

    /** Rejects options other than {@code allowed}, naming them and what is allowed. */
    void allowOnly(String help, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (String key : options.keySet()) {
            if (!ok.contains(key)) {
                throw error(allowed.length == 0
                        ? "metric '" + name + "' takes no options, found '" + key + "'"
                        : "metric '" + name + "' has no option '" + key + "'; its options are " + help);
            }
        }
    }

    /** All values of a repeatable option, in order. */
    List<String> all(String key) {
        return options.getOrDefault(key, List.of());
    }

    /** The single value of an option, or {@code def} when absent. */
    String get(String key, String def) {
        List<String> v = options.get(key);
        if (v == null) {
            return def;
        }
        if (v.size() > 1) {
            throw error("option '" + key + "' is given " + v.size() + " times " + v + "; give it once");
        }
        return v.get(0);
    }

    boolean has(String key) {
        return options.containsKey(key);
    }

    boolean bool(String key, boolean def) {
        String v = get(key, null);
        if (v == null) {
            return def;
        }
        return switch (v) {
            case "true", "yes" -> true;
            case "false", "no" -> false;
            default -> throw error("option '" + key + "' must be true or false, found '" + v + "'");
        };
    }

    int integer(String key, int def, int min) {
        String v = get(key, null);
        if (v == null) {
            return def;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw error("option '" + key + "' must be an integer >= " + min + ", found '" + v + "'");
        }
        if (n < min) {
            throw error("option '" + key + "' must be an integer >= " + min + ", found " + n);
        }
        return n;
    }

    double positive(String key, double def) {
        String v = get(key, null);
        if (v == null) {
            return def;
        }
        double x;
        try {
            x = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            x = Double.NaN;
        }
        if (!(x > 0) || Double.isInfinite(x)) {
            throw error("option '" + key + "' must be a positive number, found '" + v + "'");
        }
        return x;
    }

    /** The value of {@code key} among {@code choices} (written as found, case-sensitive). */
    String choice(String key, String def, String... choices) {
        String v = get(key, def);
        for (String c : choices) {
            if (c.equals(v)) {
                return v;
            }
        }
        throw error("option '" + key + "' must be one of " + String.join(", ", choices) + "; found '" + v + "'");
    }

    /** Builds a canonical spec: the name, then {@code key=value} pairs, values quoted when not bare. */
    static final class Writer {
        private final StringBuilder sb;
        private boolean first = true;

        Writer(String name) {
            sb = new StringBuilder(name);
        }

        Writer add(String key, String value) {
            sb.append(first ? ':' : ',').append(key).append('=').append(quote(value));
            first = false;
            return this;
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }

    static String quote(String value) {
        return BARE.matcher(value).matches() ? value : "'" + value.replace("'", "''") + "'";
    }

    /** A number without a trailing ".0" when it is integral. */
    static String number(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
    }

    /** The number of references per example for a signature: the count if all agree, else {@code var}. */
    static String nrefs(List<ExampleRecord> examples) {
        int n = -1;
        for (ExampleRecord e : examples) {
            int k = e.references().size();
            if (n < 0) {
                n = k;
            } else if (n != k) {
                return "var";
            }
        }
        return Integer.toString(Math.max(n, 0));
    }

    /** {@code text} lowercased (ROOT locale) when {@code lowercase} is set, as sacreBLEU's {@code lowercase=True}. */
    static String fold(boolean lowercase, String text) {
        return lowercase ? text.toLowerCase(Locale.ROOT) : text;
    }

    /** Every reference through {@link #fold(boolean, String)}. */
    static List<String> fold(boolean lowercase, List<String> references) {
        return lowercase ? references.stream().map(r -> fold(true, r)).toList() : references;
    }

    /** Checks that an example has an output and at least one reference, with an error naming the metric. */
    static void requireReferences(String metric, String output, List<String> references) {
        if (output == null) {
            throw new IllegalArgumentException("metric '" + metric + "' was given a null output; pass \"\" for an "
                    + "empty generation");
        }
        if (references == null || references.isEmpty()) {
            throw new IllegalArgumentException("metric '" + metric + "' needs at least one reference per example, "
                    + "found none; check the task's reference field");
        }
        for (String r : references) {
            if (r == null) {
                throw new IllegalArgumentException("metric '" + metric + "' was given a null reference among "
                        + references.size() + "; check the task's reference field");
            }
        }
    }
}
