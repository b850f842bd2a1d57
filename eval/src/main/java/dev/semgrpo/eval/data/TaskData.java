package dev.semgrpo.eval.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.eval.task.TaskConfig.Format;
import dev.semgrpo.model.io.Jsonl;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.Problems;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a task's JSONL into {@link TaskExample}s. Each layout has canonical field names; {@code fields} maps a
 * canonical name to the file's name (e.g. {@code source: sentence_zho_Hans}). Errors name the file, the line, the
 * task and the field, and say how to fix the mapping; all bad lines are reported together.
 */
public final class TaskData {
    private TaskData() {
    }

    /** The canonical fields each layout needs. */
    public static List<String> required(Format format) {
        return switch (format) {
            case PARALLEL -> List.of("source", "target");
            case QA -> List.of("context", "question", "answers");
            case MULTIPLE_CHOICE -> List.of("question", "choices", "label");
            case GSM8K -> List.of("question", "answer");
            case TEXT -> List.of("text");
        };
    }

    /**
     * @param task the task's name, for messages
     * @param idField the id field, or null for {@code id} when present, else the 0-based index
     * @param limit the first N examples only, or null
     */
    public static List<TaskExample> read(Path file, Format format, Map<String, String> fields, String idField,
            Integer limit, String task) throws IOException {
        for (String k : fields.keySet()) {
            if (!required(format).contains(k) && !"context".equals(k)) {
                throw new IOException("task '" + task + "': data.fields renames '" + k + "', which the " + name(format)
                        + " layout does not have; its fields are " + required(format));
            }
        }
        List<Jsonl.Line> lines = Jsonl.read(file);
        List<TaskExample> out = new ArrayList<>();
        Problems errors = new Problems(20);
        Set<String> ids = new HashSet<>();
        for (Jsonl.Line l : lines) {
            if (limit != null && out.size() >= limit) {
                break;
            }
            String where = file + ":" + l.number() + ": ";
            try {
                TaskExample e = parse(l, format, fields, idField, out.size(), task);
                if (!ids.add(e.id())) {
                    throw new IllegalArgumentException("duplicate id '" + e.id() + "'; ids must be unique (set "
                            + "data.id_field to a unique field, or remove it to number the lines)");
                }
                out.add(e);
            } catch (IllegalArgumentException e) {
                errors.add(where + e.getMessage());
            }
        }
        if (errors.count() > 0) {
            throw new IOException("task '" + task + "': " + Plural.of(errors.count(), "bad example") + ":\n  "
                    + errors.shown("\n  "));
        }
        return out;
    }

    private static TaskExample parse(Jsonl.Line l, Format format, Map<String, String> fields, String idField,
            int index, String task) {
        JsonNode n = l.node();
        Map<String, String> vars = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            if (e.getValue().isTextual() || e.getValue().isIntegralNumber()) {
                vars.put(e.getKey(), e.getValue().asText());
            }
        });
        String id;
        JsonNode idNode = n.get(idField != null ? idField : "id");
        if (idNode == null && idField == null) {
            id = Integer.toString(index);
        } else if (idNode == null) {
            throw new IllegalArgumentException("task '" + task + "' needs the id field '" + idField + "' "
                    + "(data.id_field), the line has " + keys(n));
        } else if (idNode.isTextual() || idNode.isIntegralNumber()) {
            id = idNode.asText();
        } else {
            throw new IllegalArgumentException("task '" + task + "': id field '" + (idField != null ? idField : "id")
                    + "' must be a string or a whole number, found " + Jsonl.brief(idNode));
        }
        List<String> refs = new ArrayList<>();
        List<String> choices = new ArrayList<>();
        int label = -1;
        switch (format) {
            case PARALLEL -> {
                vars.put("source", text(n, field(fields, "source"), "source", format, task));
                refs.addAll(texts(n, field(fields, "target"), "target", format, task));
                vars.put("target", refs.get(0));
            }
            case QA -> {
                vars.put("context", text(n, field(fields, "context"), "context", format, task));
                vars.put("question", text(n, field(fields, "question"), "question", format, task));
                refs.addAll(answers(n, field(fields, "answers"), format, task));
                vars.put("answer", refs.get(0));
            }
            case MULTIPLE_CHOICE -> {
                vars.put("question", text(n, field(fields, "question"), "question", format, task));
                if (fields.containsKey("context") || n.has("context")) {
                    vars.put("context", text(n, field(fields, "context"), "context", format, task));
                }
                List<String> labels = new ArrayList<>();
                choices.addAll(choices(n, field(fields, "choices"), labels, format, task));
                label = label(n, field(fields, "label"), choices.size(), labels, format, task);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < choices.size(); i++) {
                    sb.append(i == 0 ? "" : "\n").append(letter(i)).append(". ").append(choices.get(i));
                }
                vars.put("choice_list", sb.toString());
                vars.put("answer", choices.get(label));
                vars.put("answer_letter", letter(label));
            }
            case GSM8K -> {
                vars.put("question", text(n, field(fields, "question"), "question", format, task));
                String answer = text(n, field(fields, "answer"), "answer", format, task);
                vars.put("answer", answer);
                refs.add(answer);
            }
            case TEXT -> {
                String t = text(n, field(fields, "text"), "text", format, task);
                if (t.isEmpty()) {
                    throw new IllegalArgumentException("task '" + task + "': field '" + field(fields, "text")
                            + "' is empty; perplexity needs text");
                }
                vars.put("text", t);
            }
            default -> throw new IllegalStateException(format.toString());
        }
        return new TaskExample(id, l.number(), vars, refs, choices, label);
    }

    /** A, B, C, ... for choice i. */
    public static String letter(int i) {
        return i < 26 ? String.valueOf((char) ('A' + i)) : "(" + (i + 1) + ")";
    }

    private static String field(Map<String, String> fields, String canonical) {
        return fields.getOrDefault(canonical, canonical);
    }

    private static String name(Format f) {
        return f.name().toLowerCase(Locale.ROOT);
    }

    private static String keys(JsonNode n) {
        List<String> k = new ArrayList<>();
        n.fieldNames().forEachRemaining(k::add);
        return k.toString();
    }

    private static IllegalArgumentException missing(JsonNode n, String field, String canonical, Format f,
            String task, String expected) {
        String rename = field.equals(canonical) ? "; if the file names it differently, set data.fields: {"
                + canonical + ": <its name>}" : " (data.fields maps " + canonical + " to it)";
        return new IllegalArgumentException("task '" + task + "' (" + name(f) + " layout) needs field '" + field
                + "' as " + expected + rename + "; the line has " + keys(n));
    }

    private static String text(JsonNode n, String field, String canonical, Format f, String task) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw missing(n, field, canonical, f, task, "a string");
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("task '" + task + "': field '" + field + "' must be a string, found "
                    + Jsonl.brief(v) + (v.isValueNode() ? " (quote it)" : ""));
        }
        return v.asText();
    }

    /** A JSON string's text; anything else is an error naming the field. */
    private static String string(JsonNode x, String field, String task) {
        if (!x.isTextual()) {
            throw new IllegalArgumentException("task '" + task + "': field '" + field + "' must hold strings, found "
                    + Jsonl.brief(x));
        }
        return x.asText();
    }

    /** A string or a non-empty list of strings. */
    private static List<String> texts(JsonNode n, String field, String canonical, Format f, String task) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw missing(n, field, canonical, f, task, "a string or a list of strings");
        }
        if (v.isTextual()) {
            return List.of(v.asText());
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode x : v) {
                if (!x.isTextual()) {
                    throw new IllegalArgumentException("task '" + task + "': field '" + field + "' must list "
                            + "strings, found " + Jsonl.brief(x));
                }
                out.add(x.asText());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("task '" + task + "': field '" + field + "' must be a string or a "
                    + "non-empty list of strings, found " + v);
        }
        return out;
    }

    /** SQuAD {@code {text: [...], answer_start: [...]}}, a list of strings, a list of {text}, or a string. */
    private static List<String> answers(JsonNode n, String field, Format f, String task) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw missing(n, field, "answers", f, task, "a list of answers or {text: [...]}");
        }
        List<String> out = new ArrayList<>();
        if (v.isObject() && v.has("text")) {
            JsonNode t = v.get("text");
            if (t.isArray()) {
                t.forEach(x -> out.add(string(x, field, task)));
            } else {
                out.add(string(t, field, task));
            }
        } else if (v.isArray()) {
            for (JsonNode x : v) {
                out.add(string(x.isObject() && x.has("text") ? x.get("text") : x, field, task));
            }
        } else {
            out.add(string(v, field, task));
        }
        out.removeIf(String::isBlank);
        if (out.isEmpty()) {
            throw new IllegalArgumentException("task '" + task + "': field '" + field + "' has no non-empty answer ("
                    + v + "); extractive QA needs at least one gold answer per question");
        }
        return out;
    }

    /** A list of strings, or ARC's {@code {text: [...], label: [...]}}; labels go to {@code labels}. */
    private static List<String> choices(JsonNode n, String field, List<String> labels, Format f, String task) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw missing(n, field, "choices", f, task, "a list of choices or {text: [...], label: [...]}");
        }
        List<String> out = new ArrayList<>();
        if (v.isObject() && v.has("text") && v.get("text").isArray()) {
            v.get("text").forEach(x -> out.add(string(x, field, task)));
            if (v.has("label") && v.get("label").isArray()) {
                v.get("label").forEach(x -> labels.add(string(x, field + ".label", task)));
            }
        } else if (v.isArray()) {
            v.forEach(x -> out.add(string(x, field, task)));
        }
        if (out.size() < 2) {
            throw new IllegalArgumentException("task '" + task + "': field '" + field + "' must hold at least 2 "
                    + "choices, found " + v);
        }
        return out;
    }

    /** An index, a letter (A, B, ...), a digit string or one of the choices' labels. */
    private static int label(JsonNode n, String field, int count, List<String> labels, Format f, String task) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw missing(n, field, "label", f, task, "the index (0-based) or letter of the correct choice");
        }
        int idx = -1;
        String s = v.asText().trim();
        if (v.isIntegralNumber()) {
            idx = v.canConvertToInt() ? v.asInt() : -1;
        } else if (labels.contains(s)) {
            idx = labels.indexOf(s);
        } else if (s.matches("[A-Z]")) {
            idx = s.charAt(0) - 'A';
        } else if (s.matches("\\d+")) {
            idx = Integer.parseInt(s);
        }
        if (idx < 0 || idx >= count) {
            throw new IllegalArgumentException("task '" + task + "': label " + v + " in field '" + field + "' does not"
                    + " pick one of the " + count + " choices (use a 0-based index, a letter A-"
                    + letter(count - 1) + (labels.isEmpty() ? "" : ", or one of " + labels) + ")");
        }
        return idx;
    }
}
