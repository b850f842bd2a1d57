package dev.semgrpo.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a model directory: one {@code model.safetensors}, or shards listed in
 * {@code model.safetensors.index.json} ({@code weight_map}: tensor name to file). Every listed tensor must be in the
 * shard the index names, and no tensor may appear in two shards.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Map<String, SafetensorsFile> byTensor;
    private final List<SafetensorsFile> files;

    private Checkpoint(Map<String, SafetensorsFile> byTensor, List<SafetensorsFile> files) {
        this.byTensor = byTensor;
        this.files = files;
    }

    /** Opens the weights of {@code dir}; prefers the sharded index when both forms are present. */
    public static Checkpoint open(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            return openIndex(index);
        }
        Path single = dir.resolve(SINGLE);
        if (Files.isRegularFile(single)) {
            return openFiles(List.of(single));
        }
        throw new SafetensorsException(dir + ": no " + SINGLE + " or " + INDEX
                + "; semgrpo reads safetensors checkpoints (convert .bin weights with transformers' save_pretrained)");
    }

    /** Opens the given files as one checkpoint; a tensor name in two files is an error. */
    public static Checkpoint openFiles(List<Path> paths) throws IOException {
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                files.add(f);
                for (String name : f.tensors().keySet()) {
                    SafetensorsFile prev = byTensor.putIfAbsent(name, f);
                    if (prev != null) {
                        throw new SafetensorsException("tensor '" + name + "' is in both " + prev.path() + " and " + p);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            closeAll(files);
            throw e;
        }
        return new Checkpoint(byTensor, files);
    }

    private static Checkpoint openIndex(Path index) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new SafetensorsException(index + ": not valid JSON (" + e.getMessage() + ")");
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new SafetensorsException(index + ": missing object 'weight_map' (tensor name -> shard file)");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        Map<String, Path> shards = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String file = e.getValue().asText();
            Path shard = index.getParent().resolve(file).normalize();
            if (!shard.startsWith(index.getParent().normalize()) || file.contains("/") || file.contains("\\")) {
                throw new SafetensorsException(index + ": tensor '" + e.getKey() + "' maps to '" + file
                        + "', which is not a file in the model directory");
            }
            weightMap.put(e.getKey(), file);
            shards.putIfAbsent(file, shard);
        }
        for (Map.Entry<String, Path> s : shards.entrySet()) {
            if (!Files.isRegularFile(s.getValue())) {
                throw new SafetensorsException(index + ": shard '" + s.getKey() + "' is listed but missing");
            }
        }
        Checkpoint ckpt = openFiles(new ArrayList<>(shards.values()));
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            SafetensorsFile f = ckpt.byTensor.get(e.getKey());
            if (f == null || !f.path().getFileName().toString().equals(e.getValue())) {
                ckpt.close();
                throw new SafetensorsException(index + ": tensor '" + e.getKey() + "' is listed in shard '"
                        + e.getValue() + "' but that shard does not hold it");
            }
        }
        return ckpt;
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(byTensor.keySet());
    }

    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    public TensorInfo info(String name) throws SafetensorsException {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new SafetensorsException("checkpoint has no tensor '" + name + "'");
        }
        return f.info(name);
    }

    public float[] floats(String name) throws IOException {
        info(name);
        return byTensor.get(name).floats(name);
    }

    public NDArray load(NDManager manager, String name, DataType target) throws IOException {
        info(name);
        return byTensor.get(name).load(manager, name, target);
    }

    private static void closeAll(List<SafetensorsFile> files) throws IOException {
        for (SafetensorsFile f : files) {
            f.close();
        }
    }

    @Override
    public void close() throws IOException {
        closeAll(files);
    }
}
