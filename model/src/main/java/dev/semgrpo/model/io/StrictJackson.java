package dev.semgrpo.model.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.CharArrayReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.util.Iterator;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The one strict Jackson setup every YAML config and JSONL reader uses: no coercion between strings, numbers and
 * booleans (1.7 is not an int, "yes" is not a boolean, 5 is not a string), YAML booleans only {@code true} or
 * {@code false} ({@code yes}, {@code on} are strings, as in YAML 1.2), numbers in range and finite, duplicate keys
 * and trailing content (a second YAML document, a second JSON value on a line) rejected, null rejected for
 * primitives, unknown keys rejected. A config's tree is also checked by {@link #invalid} (no explicit nulls, finite
 * numbers). Errors carry the location and key path that {@link ConfigErrors} turns into one line.
 */
public final class StrictJackson {
    private StrictJackson() {
    }

    /** A new strict YAML mapper; callers may add a naming strategy. */
    public static ObjectMapper yaml() {
        return strict(new YAMLMapper(new Yaml12Factory()));
    }

    /** A new strict JSON mapper (NaN and Infinity tokens are already rejected by JSON itself). */
    public static ObjectMapper json() {
        return strict(new JsonMapper());
    }

    private static ObjectMapper strict(ObjectMapper m) {
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY, DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
        m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        m.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
        m.coercionConfigDefaults().setAcceptBlankAsEmpty(false);
        fail(m, LogicalType.Textual, CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean);
        fail(m, LogicalType.Integer, CoercionInputShape.String, CoercionInputShape.Float, CoercionInputShape.Boolean,
                CoercionInputShape.EmptyString);
        fail(m, LogicalType.Float, CoercionInputShape.String, CoercionInputShape.Boolean,
                CoercionInputShape.EmptyString);
        fail(m, LogicalType.Boolean, CoercionInputShape.String, CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.EmptyString);
        SimpleModule checks = new SimpleModule("strict-scalars");
        checked(checks, Boolean.class);
        checked(checks, boolean.class);
        checked(checks, Double.class);
        checked(checks, double.class);
        checked(checks, Float.class);
        checked(checks, float.class);
        m.registerModule(checks);
        return m;
    }

    private static void fail(ObjectMapper m, LogicalType type, CoercionInputShape... shapes) {
        for (CoercionInputShape s : shapes) {
            m.coercionConfigFor(type).setCoercion(s, CoercionAction.Fail);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void checked(SimpleModule module, Class<T> type) {
        JsonDeserializer<T> std = (JsonDeserializer<T>) NumberDeserializers.find(type, type.getName());
        module.addDeserializer(type, new Checked<>(type, std));
    }

    /**
     * A value a strict reader rejects in a tree: its key path (e.g. {@code rewards[0].tau}, "" for the root) and why.
     */
    public record Invalid(String path, String message) {
    }

    /**
     * The first non-finite number in {@code node} (a literal too large for a double, such as 1e400, reads as
     * infinity) or, unless {@code nullsAllowed}, the first explicit null (an empty {@code key:} in YAML, which
     * would silently mean "the default"); null when there is none.
     */
    public static Invalid invalid(JsonNode node, boolean nullsAllowed) {
        return invalid(node, "", nullsAllowed);
    }

    private static Invalid invalid(JsonNode node, String path, boolean nullsAllowed) {
        if (node.isNumber() && (node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
            return new Invalid(path, "expected a finite number, found " + node.asText()
                    + " (the number overflows a double)");
        }
        if (node.isNull() && !nullsAllowed) {
            return new Invalid(path, "found null (or an empty value); write a value, or leave the key out for its"
                    + " default");
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Invalid found = invalid(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(),
                        nullsAllowed);
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                Invalid found = invalid(node.get(i), path + "[" + i + "]", nullsAllowed);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** A standard scalar deserializer that also rejects non-finite numbers ({@code 1e400} overflows to infinity). */
    private static final class Checked<T> extends StdDeserializer<T> {
        private final JsonDeserializer<T> std;

        Checked(Class<T> type, JsonDeserializer<T> std) {
            super(type);
            this.std = std;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            T v = std.deserialize(p, ctxt);
            if (v instanceof Number n && !Double.isFinite(n.doubleValue())) {
                throw MismatchedInputException.from(p, handledType(), "expected a finite number, found '"
                        + p.getText() + "' (" + n + "); NaN and infinities are not allowed");
            }
            return v;
        }

        @Override
        public T getNullValue(DeserializationContext ctxt) throws JsonMappingException {
            return std.getNullValue(ctxt);
        }

        @Override
        public Object getEmptyValue(DeserializationContext ctxt) throws JsonMappingException {
            return std.getEmptyValue(ctxt);
        }

        @Override
        public LogicalType logicalType() {
            return std.logicalType();
        }
    }

    /** YAML with YAML 1.2 booleans: {@code yes}, {@code no}, {@code on}, {@code off} are strings, not booleans. */
    private static final class Yaml12Factory extends YAMLFactory {
        Yaml12Factory() {
        }

        Yaml12Factory(YAMLFactory src, ObjectCodec codec) {
            super(src, codec);
        }

        @Override
        public YAMLFactory copy() {
            return new Yaml12Factory(this, null);
        }

        @Override
        protected YAMLParser _createParser(InputStream in, IOContext ctxt) throws IOException {
            return parser(ctxt, _createReader(in, null, ctxt));
        }

        @Override
        protected YAMLParser _createParser(Reader r, IOContext ctxt) {
            return parser(ctxt, r);
        }

        @Override
        protected YAMLParser _createParser(char[] data, int offset, int len, IOContext ctxt, boolean recyclable) {
            return parser(ctxt, new CharArrayReader(data, offset, len));
        }

        @Override
        protected YAMLParser _createParser(byte[] data, int offset, int len, IOContext ctxt) throws IOException {
            return parser(ctxt, _createReader(data, offset, len, null, ctxt));
        }

        private YAMLParser parser(IOContext ctxt, Reader r) {
            return new Yaml12Parser(ctxt, _parserFeatures, _yamlParserFeatures, _loaderOptions, _objectCodec, r);
        }
    }

    /** A YAML parser whose booleans are only true and false (also True, TRUE, False, FALSE, as YAML 1.2). */
    private static final class Yaml12Parser extends YAMLParser {
        Yaml12Parser(IOContext ctxt, int parserFeatures, int formatFeatures, LoaderOptions options, ObjectCodec codec,
                Reader reader) {
            super(ctxt, parserFeatures, formatFeatures, options, codec, reader);
        }

        @Override
        protected Boolean _matchYAMLBoolean(String value, int len) {
            return switch (value) {
                case "true", "True", "TRUE" -> Boolean.TRUE;
                case "false", "False", "FALSE" -> Boolean.FALSE;
                default -> null;
            };
        }
    }
}
