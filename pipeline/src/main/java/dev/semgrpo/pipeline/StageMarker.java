package dev.semgrpo.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.semgrpo.model.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The one place that writes and reads a stage's {@code stage.json}: its {@link StageOutputs} (snake_case keys, unset
 * values left out), the seconds it took and the {@code finished} time. The file is written last and atomically, so a
 * stage with a readable marker is complete; a marker a kill or a user left half-written does not count.
 */
final class StageMarker {
    /** The marker's file name in the stage's folder. */
    static final String FILE = "stage.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // paths as the user writes them, not as file: URIs
            .registerModule(new SimpleModule().addSerializer(Path.class, ToStringSerializer.instance));

    private StageMarker() {
    }

    /** Writes {@code dir/stage.json}: the outputs, then {@code seconds} and {@code finished}. */
    static void write(Path dir, StageOutputs outputs, double seconds) throws IOException {
        ObjectNode n = JSON.valueToTree(outputs);
        n.put("seconds", seconds);
        n.put("finished", Instant.now().toString());
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(FILE), tmp -> JSON.writeValue(tmp.toFile(), n));
    }

    /** True when {@code dir} holds a marker that reads as a JSON object with its {@code finished} time. */
    static boolean complete(Path dir) {
        return tree(dir) != null;
    }

    /** The outputs a complete stage recorded; an error naming the file when it is missing or does not read as one. */
    static <T extends StageOutputs> T read(Path dir, String stage, Class<T> type) throws IOException {
        JsonNode n = tree(dir);
        if (n == null) {
            throw new IllegalStateException("stage '" + stage + "' is not complete (" + dir.resolve(FILE)
                    + " is missing)");
        }
        try {
            return JSON.treeToValue(n, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(dir.resolve(FILE) + " does not hold what stage '" + stage + "' writes ("
                    + e.getMessage().split("\n")[0] + "); run --redo " + stage, e);
        }
    }

    private static JsonNode tree(Path dir) {
        Path marker = dir.resolve(FILE);
        if (!Files.isRegularFile(marker)) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(marker.toFile());
            return n != null && n.isObject() && n.hasNonNull("finished") ? n : null;
        } catch (IOException e) {
            return null;
        }
    }
}
