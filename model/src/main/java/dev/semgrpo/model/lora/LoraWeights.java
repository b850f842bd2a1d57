package dev.semgrpo.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.io.Plural;
import dev.semgrpo.model.io.SafetensorsException;
import dev.semgrpo.model.io.SafetensorsFile;
import dev.semgrpo.model.io.TensorInfo;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.nn.Linear;
import dev.semgrpo.model.nn.LoraAdapter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PEFT adapter read once into memory and checked against one base model, to be swapped on and off it
 * ({@link #applyTo}) any number of times without re-reading files. The factors (FP32, no gradients) live in a
 * sub-manager of the model's manager that {@link #close} releases; swapping never closes them.
 */
public final class LoraWeights implements AutoCloseable {
    private static final String PREFIX = "base_model.model.";
    private static final int MAX_LISTED = 5;

    private final Path dir;
    private final LoraConfig config;
    private final NDManager manager;
    private final Map<String, LoraAdapter> byModule; // projection name -> adapter

    private LoraWeights(Path dir, LoraConfig config, NDManager manager, Map<String, LoraAdapter> byModule) {
        this.dir = dir;
        this.config = config;
        this.manager = manager;
        this.byModule = Collections.unmodifiableMap(byModule);
    }

    /**
     * Reads the adapter in {@code dir} ({@code adapter_config.json}, {@code adapter_model.safetensors}) for
     * {@code model}. Every targeted projection needs both factors in the shapes the model and rank imply, and every
     * tensor in the file must belong to one; the problems found are reported together (first few and a count).
     *
     * @throws IOException when a file is missing or unreadable
     * @throws IllegalArgumentException when the config is not a LoRA adapter semgrpo can apply
     * @throws SafetensorsException when the tensors do not fit the model
     */
    public static LoraWeights read(CausalLM model, Path dir) throws IOException {
        LoraConfig config = Lora.readConfig(dir);
        List<String> problems = new ArrayList<>();
        NDManager manager = model.manager().newSubManager();
        Map<String, LoraAdapter> byModule = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(Lora.WEIGHTS))) {
            java.util.Set<String> used = new java.util.HashSet<>();
            for (Linear l : model.projections()) {
                if (!config.targets(l.name())) {
                    continue;
                }
                String[] names = {PREFIX + l.name() + ".lora_A.weight", PREFIX + l.name() + ".lora_B.weight"};
                long[][] shapes = {{config.r(), l.inFeatures()}, {l.outFeatures(), config.r()}};
                NDArray[] ab = new NDArray[2];
                for (int k = 0; k < 2; k++) {
                    used.add(names[k]);
                    if (!f.tensors().containsKey(names[k])) {
                        problems.add("missing tensor '" + names[k] + "', expected shape " + Arrays.toString(shapes[k]));
                        continue;
                    }
                    TensorInfo info = f.info(names[k]);
                    if (!Arrays.equals(info.shape(), shapes[k])) {
                        problems.add("tensor '" + names[k] + "' has shape " + info.shapeString() + ", expected "
                                + Arrays.toString(shapes[k]) + " (r=" + config.r() + ", " + l.name() + " is ["
                                + l.outFeatures() + ", " + l.inFeatures() + "])");
                        continue;
                    }
                    ab[k] = f.load(manager, names[k], DataType.FLOAT32);
                }
                if (ab[0] != null && ab[1] != null) {
                    byModule.put(l.name(), new LoraAdapter(ab[0], ab[1], config.scale(), 0f));
                }
            }
            for (String name : f.tensors().keySet()) {
                if (!used.contains(name)) {
                    problems.add("tensor '" + name + "' belongs to no projection the adapter targets in this "
                            + model.config().architecture().modelType() + " model of " + model.config().numLayers()
                            + " layers (target_modules " + config.targetModules() + ")");
                }
            }
            if (!problems.isEmpty()) {
                throw new SafetensorsException(dir.resolve(Lora.WEIGHTS) + ": "
                        + Plural.of(problems.size(), "adapter problem") + ", it does not fit the base model\n  "
                        + String.join("\n  ",
                                problems.subList(0, Math.min(MAX_LISTED, problems.size())))
                        + (problems.size() > MAX_LISTED ? "\n  (and " + (problems.size() - MAX_LISTED) + " more)" : ""));
            }
            if (byModule.isEmpty()) {
                throw new IllegalArgumentException(dir + ": target_modules " + config.targetModules()
                        + " matches no projection of the base model");
            }
            return new LoraWeights(dir, config, manager, byModule);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Puts these factors on {@code model} in place of whatever adapters it had (closing nothing). */
    public void applyTo(CausalLM model) {
        model.useAdapters(byModule);
    }

    public LoraConfig config() {
        return config;
    }

    public int rank() {
        return config.r();
    }

    /** The directory it was read from. */
    public Path directory() {
        return dir;
    }

    /** The adapters by projection name (live factors; do not close). */
    public Map<String, LoraAdapter> adapters() {
        return byModule;
    }

    /** Frees the factors; take them off the model first ({@code model.useAdapters(Map.of())}). */
    @Override
    public void close() {
        manager.close();
    }
}
