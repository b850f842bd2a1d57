package dev.semgrpo.model.io;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one YAML loader of every config type (training, rewards, task, judge, pipeline): one strict mapper ({@link
 * StrictJackson}, snake_case keys, unknown keys rejected with the known ones listed, no nulls), {@code --set key=value}
 * overrides, documented aliases, paths made absolute from {@link ConfigPath} marks, and one error text: "file: near
 * line N: key.path: what is wrong, the value found and what to do" (or "file: --set k=v: ..." when an override set the
 * key).
 */
public final class YamlConfig {
    /** The mapper every config binds with. */
    public static final ObjectMapper YAML = StrictJackson.yaml()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    /** Writes configs back (a run's config.resolved.yaml): unset values are left out, so that it reads back. */
    private static final ObjectMapper WRITER = YAML.copy().setSerializationInclusion(JsonInclude.Include.NON_NULL);
    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;
    private static final Pattern KEY_PATH = Pattern.compile("\\b([a-z_]+(?:\\.[a-z_]+)+)\\b");

    private YamlConfig() {
    }

    /**
     * What a config file holds, for errors.
     *
     * @param noun e.g. "reward config" ("no such reward config")
     * @param expected the root, in words, e.g. "a mapping with encoder and rewards"
     * @param typeChoices what an unknown polymorphic {@code type} may be, e.g. "semantic, language or chrf"
     * @param typeNoun what a {@code type} selects, in errors ("unknown reward type 'x'")
     */
    public record Kind(String noun, String expected, String typeChoices, String typeNoun) {
        public Kind(String noun, String expected) {
            this(noun, expected, "a documented value", "type");
        }
    }

    /**
     * Where a config's tree came from.
     *
     * @param name the file (or a label such as "inline rewards") that starts every error
     * @param text the file's text, for line numbers (null: none)
     * @param overrides the {@code --set key=value} overrides applied to it
     */
    public record Source(String name, String text, List<String> overrides) {
        public Source {
            overrides = List.copyOf(overrides);
        }

        /** A file, read as UTF-8; an error names it when it does not exist. */
        public static Source file(Path file, String noun, List<String> overrides) throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new IOException(file + ": no such " + noun);
            }
            return new Source(file.toString(), Utf8Files.read(file), overrides);
        }

        /** Text that is not a file (a test's, a command line's). */
        public static Source text(String label, String text) {
            return new Source(label, text, List.of());
        }

        /** "--set k=v: " when an override set {@code keyPath}, else "near line N: " when the text has it, else "". */
        public String where(String keyPath) {
            for (String o : overrides) {
                String key = o.substring(0, Math.max(0, o.indexOf('='))).trim();
                if (!key.isEmpty() && (keyPath.equals(key) || keyPath.startsWith(key + ".")
                        || keyPath.startsWith(key + "["))) {
                    return "--set " + o + ": ";
                }
            }
            int line = text == null ? -1 : ConfigErrors.lineOf(text, keyPath);
            return line < 0 ? "" : "near line " + line + ": ";
        }

        /**
         * An error about this source: the name, then where the first key path the message names is ("near line
         * N: ..."); for the checks that run after binding (cross-field rules name their keys).
         */
        public IllegalArgumentException error(String message, Throwable cause) {
            Matcher m = KEY_PATH.matcher(String.valueOf(message));
            String where = m.find() ? where(m.group(1)) : "";
            return new IllegalArgumentException(name + ": " + where + message, cause);
        }
    }

    /**
     * Reads {@code file} strictly, makes its {@link ConfigPath} values absolute against the file's folder and binds it
     * as {@code type}; every error (IO, YAML, binding, a record's own check) is an IOException naming the file.
     */
    public static <T> T load(Path file, Class<T> type, Kind kind) throws IOException {
        Source s = Source.file(file, kind.noun(), List.of());
        try {
            return bind(resolved(read(s, kind), type, s, file), type, s, "", kind);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * {@code tree} with its aliases renamed to the keys they stand for and its {@link ConfigPath} values made absolute
     * against {@code file}'s folder: the form a run records and binds.
     */
    public static ObjectNode resolved(ObjectNode tree, Class<?> type, Source s, Path file) {
        aliases(tree, type, s, "");
        resolvePaths(tree, type, file.toAbsolutePath().getParent());
        return tree;
    }

    /**
     * The root mapping of a source, strictly read (duplicate keys, trailing documents, nulls and non-finite numbers
     * are errors with their line), with its overrides applied.
     */
    public static ObjectNode read(Source s, Kind kind) throws IOException {
        if (s.text() == null) {
            throw new IllegalArgumentException(s.name() + ": no text to read");
        }
        ObjectNode tree = ConfigErrors.readTree(YAML, s.text(), s.name(), kind.expected());
        override(tree, s.overrides());
        return tree;
    }

    /**
     * Applies {@code --set a.b.c=value} overrides: values are YAML scalars or lists, missing sections are created, an
     * empty value or null removes the key (its default applies again).
     */
    public static void override(ObjectNode tree, List<String> overrides) {
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set expects key=value (e.g. optim.lr=1e-6), found '" + o + "'");
            }
            String[] path = o.substring(0, eq).trim().split("\\.");
            JsonNode value;
            try {
                value = YAML.readTree(o.substring(eq + 1));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("--set " + o + ": value is not valid YAML: "
                        + ConfigErrors.reason(e), e);
            }
            StrictJackson.Invalid bad = value == null || value.isNull() ? null : StrictJackson.invalid(value, false);
            if (bad != null) {
                throw new IllegalArgumentException("--set " + o + ": " + bad.message());
            }
            ObjectNode node = tree;
            for (int i = 0; i < path.length - 1; i++) {
                JsonNode child = node.get(path[i]);
                if (child == null || child.isNull()) {
                    child = node.putObject(path[i]);
                } else if (!child.isObject()) {
                    throw new IllegalArgumentException("--set " + o + ": '" + path[i] + "' is not a section");
                }
                node = (ObjectNode) child;
            }
            if (value == null || value.isMissingNode() || value.isNull()) {
                node.remove(path[path.length - 1]);
            } else {
                node.set(path[path.length - 1], value);
            }
        }
    }

    /**
     * Binds a tree as {@code type}, after its documented aliases ({@link JsonAlias} on a record component) are renamed
     * to the component's own key; giving both spellings of one key is an error that names both.
     *
     * @param prefix the key path of {@code tree} inside the source ("" for the whole file), e.g. "rewards"
     * @throws IllegalArgumentException "name: near line N: key.path: ..." (see {@link ConfigErrors#describe})
     */
    public static <T> T bind(JsonNode tree, Class<T> type, Source s, String prefix, Kind kind) {
        StrictJackson.Invalid bad = StrictJackson.invalid(tree, false);
        if (bad != null) {
            String path = join(prefix, bad.path());
            throw new IllegalArgumentException(s.name() + ": " + s.where(path) + (path.isEmpty() ? "" : path + ": ")
                    + bad.message());
        }
        if (tree instanceof ObjectNode o) {
            aliases(o, type, s, prefix);
        }
        try {
            return YAML.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            String path = join(prefix, ConfigErrors.path(e));
            throw new IllegalArgumentException(s.name() + ": " + s.where(path)
                    + ConfigErrors.describe(e, kind.typeChoices(), null, prefix)
                            .replace("unknown type '", "unknown " + kind.typeNoun() + " '"), e);
        } catch (IllegalArgumentException e) {
            throw s.error(e.getMessage(), e);
        }
    }

    /** A config as a tree, with unset values left out (it binds back to an equal config). */
    public static ObjectNode toTree(Object config) {
        return WRITER.valueToTree(config);
    }

    /** Writes a config tree as YAML to {@code file} (callers write through {@link AtomicFiles}). */
    public static void write(Path file, JsonNode tree) throws IOException {
        WRITER.writeValue(file.toFile(), tree);
    }

    // ---- paths

    /**
     * Makes every {@link ConfigPath} value of {@code tree} (bound as {@code type}) absolute against {@code base}, the
     * config file's folder; sections, lists of sections and inline configs are followed.
     */
    public static void resolvePaths(ObjectNode tree, Class<?> type, Path base) {
        for (RecordComponent rc : components(type, tree)) {
            String key = SNAKE.translate(rc.getName());
            JsonNode v = tree.get(key);
            if (v == null) {
                continue;
            }
            ConfigPath mark = rc.getAnnotation(ConfigPath.class);
            if (mark != null && v.isTextual()) {
                tree.put(key, base.resolve(v.asText()).toAbsolutePath().normalize().toString());
            } else if (mark != null && v instanceof ObjectNode o && mark.inline() != Void.class) {
                resolvePaths(o, mark.inline(), base);
            } else if (mark != null && v.isArray()) {
                for (int i = 0; i < v.size(); i++) {
                    if (v.get(i).isTextual()) {
                        ((ArrayNode) v).set(i,
                                base.resolve(v.get(i).asText()).toAbsolutePath().normalize().toString());
                    }
                }
            } else {
                forSections(v, rc.getGenericType(), (section, t) -> resolvePaths(section, t, base));
            }
        }
    }

    // ---- aliases

    private static void aliases(ObjectNode tree, Class<?> type, Source s, String path) {
        for (RecordComponent rc : components(type, tree)) {
            String key = SNAKE.translate(rc.getName());
            // @JsonAlias does not target record components; Java puts it on the accessor (and field and parameter)
            JsonAlias alias = rc.getAccessor().getAnnotation(JsonAlias.class);
            if (alias != null) {
                String given = tree.has(key) ? key : null;
                for (String a : alias.value()) {
                    if (!tree.has(a)) {
                        continue;
                    }
                    if (given != null) {
                        String at = join(path, a);
                        throw new IllegalArgumentException(s.name() + ": " + s.where(at) + "both '" + join(path, given)
                                + "' and '" + at + "' are set; they are two spellings of one key (" + a + " is "
                                + "accepted as " + key + "): keep one");
                    }
                    given = a;
                }
                if (given != null && !given.equals(key)) {
                    rename(tree, given, key);
                }
            }
            JsonNode v = tree.get(key);
            if (v != null) {
                String at = join(path, key);
                forSections(v, rc.getGenericType(), (section, t) -> aliases(section, t, s, at));
            }
        }
    }

    /** Renames a key in place, keeping the keys' order. */
    private static void rename(ObjectNode tree, String from, String to) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            fields.put(e.getKey().equals(from) ? to : e.getKey(), e.getValue());
        }
        tree.removeAll();
        tree.setAll(fields);
    }

    // ---- walking a tree along its record types

    private interface SectionVisitor {
        void visit(ObjectNode section, Class<?> type);
    }

    /** Visits {@code v} when it is a section of a record type, or each section of a list of them. */
    private static void forSections(JsonNode v, Type type, SectionVisitor visitor) {
        Class<?> raw = raw(type);
        if (v instanceof ObjectNode o && isSection(raw)) {
            visitor.visit(o, raw);
        } else if (v.isArray() && List.class.isAssignableFrom(raw) && type instanceof ParameterizedType p) {
            Class<?> element = raw(p.getActualTypeArguments()[0]);
            if (isSection(element)) {
                for (JsonNode e : v) {
                    if (e instanceof ObjectNode o) {
                        visitor.visit(o, element);
                    }
                }
            }
        }
    }

    private static boolean isSection(Class<?> c) {
        return c.isRecord() || (c.isInterface() && c.isAnnotationPresent(JsonSubTypes.class));
    }

    /** The record components of {@code type}; for a polymorphic interface, those of the subtype the tree names. */
    private static List<RecordComponent> components(Class<?> type, ObjectNode tree) {
        Class<?> c = type;
        if (type.isInterface()) {
            c = null;
            JsonTypeInfo info = type.getAnnotation(JsonTypeInfo.class);
            JsonSubTypes subs = type.getAnnotation(JsonSubTypes.class);
            String id = info == null ? null : tree.path(info.property()).textValue();
            for (JsonSubTypes.Type t : subs.value()) {
                if (t.name().equals(id)) {
                    c = t.value();
                }
            }
        }
        List<RecordComponent> out = new ArrayList<>();
        if (c != null && c.isRecord()) {
            out.addAll(List.of(c.getRecordComponents()));
        }
        return out;
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        return Object.class;
    }

    private static String join(String prefix, String path) {
        return prefix.isEmpty() ? path : path.isEmpty() ? prefix : prefix + "." + path;
    }
}
