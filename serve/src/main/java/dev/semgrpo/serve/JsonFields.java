package dev.semgrpo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Typed, strict access to the fields of one JSON request object: no coercion (a string is not a number, 1.5 is not
 * an integer), values checked against their range, and every failure a 400 naming the field, the constraint and
 * the value found. An explicit {@code null} means "the default", as in OpenAI's API.
 */
final class JsonFields {
    /** A value shown in an error: long values are cut so an error stays one readable line. */
    private static final int SHOWN_CHARS = 60;

    private final ObjectNode node;
    private final String endpoint;

    /**
     * @param endpoint the path, for errors ("/v1/completions")
     * @throws ApiError 400 when the body is not a JSON object
     */
    JsonFields(JsonNode body, String endpoint) {
        if (!body.isObject()) {
            throw ApiError.badRequest(null, "the body of " + endpoint + " must be a JSON object, found "
                    + kind(body));
        }
        this.node = (ObjectNode) body;
        this.endpoint = endpoint;
    }

    /**
     * Rejects any field that is neither {@code known} nor one of the {@code unimplemented} OpenAI fields; checks each
     * unimplemented field present holds its default.
     */
    /**
     * The fields of a completion or chat request: names checked as {@link #checkNames} does, and streaming refused
     * (one JSON answer per request).
     */
    static JsonFields generationRequest(JsonNode body, String path, Set<String> known,
            List<Unimplemented> unimplemented) {
        JsonFields f = new JsonFields(body, path);
        f.checkNames(known, unimplemented);
        if (f.bool("stream", false)) {
            throw ApiError.badRequest("stream", "stream=true is not supported by semgrpo serve; send stream=false"
                    + " (or leave it out) for one JSON answer");
        }
        return f;
    }

    void checkNames(Set<String> known, List<Unimplemented> unimplemented) {
        Map<String, Unimplemented> byName = new java.util.HashMap<>();
        for (Unimplemented u : unimplemented) {
            byName.put(u.field(), u);
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            Unimplemented u = byName.get(name);
            if (u != null) {
                JsonNode v = node.get(name);
                if (!v.isNull() && !u.isDefault().test(v)) {
                    throw ApiError.badRequest(name, name + "=" + show(v) + " is not supported by semgrpo serve;"
                            + " leave it out or send " + u.defaultText());
                }
            } else if (!known.contains(name)) {
                throw ApiError.badRequest(name, "unknown field '" + cut(name) + "' in " + endpoint + "; its fields"
                        + " are " + new java.util.TreeSet<>(known));
            }
        }
    }

    /** The value of {@code name}, or null when absent or JSON null. */
    JsonNode get(String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v;
    }

    String requiredString(String name) {
        JsonNode v = get(name);
        if (v == null) {
            throw ApiError.badRequest(name, "'" + name + "' is required (a string)");
        }
        if (!v.isTextual()) {
            throw ApiError.badRequest(name, "'" + name + "' must be a string, found " + kind(v));
        }
        return v.textValue();
    }

    /** An integer in [min, max], or {@code dflt} when absent. */
    Integer integer(String name, Integer dflt, long min, long max) {
        JsonNode v = get(name);
        if (v == null) {
            return dflt;
        }
        return (int) integral(name, v, min, max);
    }

    /** A 64-bit integer, or null when absent. */
    Long int64(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        return integral(name, v, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private static long integral(String name, JsonNode v, long min, long max) {
        if (!v.isIntegralNumber()) {
            throw ApiError.badRequest(name, "'" + name + "' must be an integer, found " + kind(v));
        }
        if (!v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw ApiError.badRequest(name, "'" + name + "' must be an integer in [" + min + ", " + max + "], found "
                    + show(v));
        }
        return v.longValue();
    }

    /**
     * A finite number meeting {@code ok} (described by {@code constraint}, e.g. "in (0, 1]"), or {@code dflt} when
     * absent. Integers are numbers too.
     */
    double number(String name, double dflt, Predicate<Double> ok, String constraint) {
        JsonNode v = get(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw ApiError.badRequest(name, "'" + name + "' must be a number " + constraint + ", found " + kind(v));
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d) || !ok.test(d)) {
            throw ApiError.badRequest(name, "'" + name + "' must be a number " + constraint + ", found " + show(v));
        }
        return d;
    }

    boolean bool(String name, boolean dflt) {
        JsonNode v = get(name);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw ApiError.badRequest(name, "'" + name + "' must be true or false, found " + kind(v));
        }
        return v.booleanValue();
    }

    /** {@code stop}: absent, a non-empty string, or a list of them. */
    List<String> strings(String name) {
        JsonNode v = get(name);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v.isTextual()) {
            out.add(v.textValue());
        } else if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual()) {
                    throw ApiError.badRequest(name, "'" + name + "'[" + i + "] must be a string, found "
                            + kind(v.get(i)));
                }
                out.add(v.get(i).textValue());
            }
        } else {
            throw ApiError.badRequest(name, "'" + name + "' must be a string or a list of strings, found " + kind(v));
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw ApiError.badRequest(name, "'" + name + "' holds an empty string; every stop string needs at"
                        + " least one character");
            }
        }
        return out;
    }

    /** A JSON value's kind and, for scalars, the value: {@code a string "x"}, {@code the number 1.5}. */
    static String kind(JsonNode v) {
        if (v == null || v.isNull()) {
            return "null";
        }
        if (v.isTextual()) {
            return "the string " + show(v);
        }
        if (v.isNumber()) {
            return "the number " + show(v);
        }
        if (v.isBoolean()) {
            return "the boolean " + v.booleanValue();
        }
        if (v.isArray()) {
            return "a list of " + v.size();
        }
        return "an object";
    }

    /** The value as JSON, cut to a readable length. */
    static String show(JsonNode v) {
        return cut(v.toString());
    }

    private static String cut(String s) {
        return s.length() <= SHOWN_CHARS ? s : s.substring(0, SHOWN_CHARS) + "...(" + s.length() + " chars)";
    }

    /**
     * An OpenAI or vLLM field semgrpo does not implement: accepted only when it holds its default.
     *
     * @param defaultText the default, as the error states it ("0", "null or an empty object")
     */
    record Unimplemented(String field, Predicate<JsonNode> isDefault, String defaultText) {
        static Unimplemented number(String field, double dflt) {
            return new Unimplemented(field, v -> v.isNumber() && v.doubleValue() == dflt,
                    dflt == Math.rint(dflt) ? String.valueOf((long) dflt) : String.valueOf(dflt));
        }

        static Unimplemented bool(String field, boolean dflt) {
            return new Unimplemented(field, v -> v.isBoolean() && v.booleanValue() == dflt, String.valueOf(dflt));
        }

        /** Only null (or an empty list or object) is the default. */
        static Unimplemented empty(String field) {
            return new Unimplemented(field, v -> (v.isArray() || v.isObject()) && v.isEmpty(), "null");
        }

        /** Any string (a value semgrpo ignores, such as {@code user}). */
        static Unimplemented anyString(String field) {
            return new Unimplemented(field, JsonNode::isTextual, "a string");
        }

        static Unimplemented string(String field, String dflt) {
            return new Unimplemented(field, v -> v.isTextual() && v.textValue().equals(dflt), "\"" + dflt + "\"");
        }
    }
}
