package dev.semgrpo.rewards.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.rewards.RewardSample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSONL records to {@link RewardSample}s: {@code completion}, {@code reference} or {@code references}, {@code prompt}. */
public final class RewardSamples {
    private RewardSamples() {
    }

    /** @param where file:line, for errors */
    public static RewardSample fromJson(JsonNode n, String where) {
        JsonNode c = n.get("completion");
        if (c == null || !c.isTextual()) {
            throw new IllegalArgumentException(where + ": needs a string \"completion\"");
        }
        List<String> refs = new ArrayList<>();
        JsonNode r = n.has("references") ? n.get("references") : n.get("reference");
        if (r != null && !r.isNull()) {
            if (r.isTextual()) {
                refs.add(r.asText());
            } else if (r.isArray()) {
                for (JsonNode x : r) {
                    if (!x.isTextual()) {
                        throw new IllegalArgumentException(where + ": references must be strings, found " + x);
                    }
                    refs.add(x.asText());
                }
            } else {
                throw new IllegalArgumentException(where + ": \"reference\" must be a string or a list of strings");
            }
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            if (!List.of("completion", "reference", "references", "prompt").contains(e.getKey())) {
                meta.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue());
            }
        });
        return new RewardSample(n.path("prompt").asText(""), c.asText(), refs, meta);
    }
}
