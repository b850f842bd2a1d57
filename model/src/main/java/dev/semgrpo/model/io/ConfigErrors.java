package dev.semgrpo.model.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/** Jackson binding errors of YAML/JSON configs, as one line that names the key path and says what is allowed. */
public final class ConfigErrors {
    private ConfigErrors() {
    }

    /** The key path of the error, e.g. {@code rewards[0].treshold}, or "" when unknown. */
    public static String path(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m)) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /**
     * "near line N: a.b: unknown key 'x'; known keys: [...]", "... unknown type 'x'; choose ...", or the cause's
     * message (validation in a record's constructor) or Jackson's first line.
     *
     * @param typeChoices what to suggest for an unknown polymorphic type, e.g. "semantic, language, chrf"
     */
    public static String describe(JsonProcessingException e, String typeChoices) {
        JsonLocation loc = e.getLocation();
        String where = loc == null || loc.getLineNr() < 0 ? "" : "near line " + loc.getLineNr() + ": ";
        String path = path(e);
        if (!path.isEmpty()) {
            where += path + ": ";
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return where + "unknown key '" + u.getPropertyName() + "'; known keys: " + u.getKnownPropertyIds();
        }
        if (e instanceof InvalidTypeIdException t) {
            return where + "unknown type '" + t.getTypeId() + "'; choose " + typeChoices;
        }
        Throwable cause = e.getCause();
        String msg = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
        return where + msg.split("\n")[0];
    }
}
