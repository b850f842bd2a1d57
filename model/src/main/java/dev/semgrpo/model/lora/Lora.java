package dev.semgrpo.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.io.DType;
import dev.semgrpo.model.io.SafetensorsException;
import dev.semgrpo.model.io.SafetensorsFile;
import dev.semgrpo.model.io.SafetensorsWriter;
import dev.semgrpo.model.io.TensorInfo;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.nn.Linear;
import dev.semgrpo.model.nn.LoraAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Attaches LoRA adapters to a {@link CausalLM} and reads/writes them in PEFT's format: {@code adapter_config.json}
 * and {@code adapter_model.safetensors} with tensors named
 * {@code base_model.model.<module>.lora_A.weight} (r, in) and {@code ...lora_B.weight} (out, r).
 */
public final class Lora {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    private static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Lora() {
    }

    /**
     * Wraps every targeted projection with a fresh adapter as PEFT initialises it: A ~ U(-1/sqrt(in), 1/sqrt(in))
     * (kaiming-uniform with a = sqrt(5)), B = 0, so the model's output is unchanged. Factors are FP32 and require
     * gradients. Reproducible from {@code seed}.
     *
     * @return the trainable factors, A and B of each module in order
     */
    public static List<NDArray> attach(CausalLM model, LoraConfig config, long seed) {
        Random rng = new Random(seed);
        List<NDArray> params = new ArrayList<>();
        NDManager m = model.manager();
        for (Linear l : model.projections()) {
            if (!config.targets(l.name())) {
                continue;
            }
            if (l.lora() != null) {
                throw new IllegalStateException(l.name() + " already has an adapter; merge or detach it first");
            }
            int in = (int) l.inFeatures();
            int out = (int) l.outFeatures();
            float bound = (float) (1 / Math.sqrt(in));
            float[] a = new float[config.r() * in];
            for (int i = 0; i < a.length; i++) {
                a[i] = (rng.nextFloat() * 2 - 1) * bound;
            }
            NDArray aNd = m.create(a, new Shape(config.r(), in));
            NDArray bNd = m.zeros(new Shape(out, config.r()), DataType.FLOAT32);
            aNd.setRequiresGradient(true);
            bNd.setRequiresGradient(true);
            model.attachAdapter(l, new LoraAdapter(aNd, bNd, config.scale(), (float) config.dropout()));
            params.add(aNd);
            params.add(bNd);
        }
        if (params.isEmpty()) {
            throw new IllegalArgumentException("no projection matches target_modules " + config.targetModules());
        }
        return params;
    }

    /** The adapters' trainable factors, in module order. */
    public static List<NDArray> parameters(CausalLM model) {
        List<NDArray> out = new ArrayList<>();
        for (Linear l : model.projections()) {
            if (l.lora() != null) {
                out.add(l.lora().a());
                out.add(l.lora().b());
            }
        }
        return out;
    }

    /** Writes the attached adapters as a PEFT directory (files written to temporary names, then moved). */
    public static void save(CausalLM model, LoraConfig config, Path dir, String baseModel) throws IOException {
        Files.createDirectories(dir);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (Linear l : model.projections()) {
            if (l.lora() != null) {
                entries.add(new SafetensorsWriter.Entry(PREFIX + l.name() + ".lora_A.weight", l.lora().a(), DType.F32));
                entries.add(new SafetensorsWriter.Entry(PREFIX + l.name() + ".lora_B.weight", l.lora().b(), DType.F32));
            }
        }
        if (entries.isEmpty()) {
            throw new IllegalStateException("the model has no adapters to save");
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS), entries, null);
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("r", config.r());
        c.put("lora_alpha", config.alpha());
        c.put("lora_dropout", config.dropout());
        ArrayNode targets = c.putArray("target_modules");
        config.targetModules().forEach(targets::add);
        c.put("bias", "none");
        c.put("use_rslora", config.useRslora());
        c.put("use_dora", false);
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.putNull("modules_to_save");
        c.put("init_lora_weights", true);
        if (baseModel != null) {
            c.put("base_model_name_or_path", baseModel);
        } else {
            c.putNull("base_model_name_or_path");
        }
        Path tmp = dir.resolve(CONFIG + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), c);
        Files.move(tmp, dir.resolve(CONFIG), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Copies the factors stored in {@code dir} into the adapters already attached to {@code model} (in place, so
     * optimizer state keyed by these arrays stays valid). Used to resume training.
     */
    public static void restore(CausalLM model, Path dir) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
            for (Linear l : model.projections()) {
                if (l.lora() == null) {
                    continue;
                }
                String base = PREFIX + l.name();
                for (String part : new String[] {".lora_A.weight", ".lora_B.weight"}) {
                    NDArray target = part.contains("_A") ? l.lora().a() : l.lora().b();
                    TensorInfo info = f.info(base + part);
                    if (!Arrays.equals(info.shape(), target.getShape().getShape())) {
                        throw new SafetensorsException(dir + ": '" + base + part + "' has shape " + info.shapeString()
                                + ", the attached adapter has " + target.getShape());
                    }
                    try (NDArray loaded = f.load(model.manager(), base + part, DataType.FLOAT32)) {
                        Torch.copyInto(target, loaded);
                    }
                }
            }
        }
    }

    /** Reads {@code adapter_config.json}; PEFT options semgrpo does not implement are rejected by name. */
    public static LoraConfig readConfig(Path dir) throws IOException {
        Path p = dir.resolve(CONFIG);
        if (!Files.isRegularFile(p)) {
            throw new IOException(dir + ": no " + CONFIG + "; a PEFT adapter directory needs it");
        }
        JsonNode c = JSON.readTree(p.toFile());
        try {
            if (!"LORA".equals(c.path("peft_type").asText("LORA"))) {
                throw new IllegalArgumentException("peft_type '" + c.path("peft_type").asText()
                        + "' is not supported; only LORA");
            }
            if (c.path("use_dora").asBoolean(false)) {
                throw new IllegalArgumentException("use_dora=true is not supported");
            }
            if (!"none".equals(c.path("bias").asText("none"))) {
                throw new IllegalArgumentException("bias='" + c.path("bias").asText() + "' is not supported; use none");
            }
            if (c.path("fan_in_fan_out").asBoolean(false)) {
                throw new IllegalArgumentException("fan_in_fan_out=true is not supported");
            }
            if (c.hasNonNull("modules_to_save") && c.get("modules_to_save").size() > 0) {
                throw new IllegalArgumentException("modules_to_save is not supported, found " + c.get("modules_to_save"));
            }
            List<String> targets = new ArrayList<>();
            JsonNode t = c.get("target_modules");
            if (t == null || !(t.isArray() || t.isTextual())) {
                throw new IllegalArgumentException("target_modules must be a list of module names");
            }
            if (t.isTextual()) {
                throw new IllegalArgumentException("target_modules as a regex ('" + t.asText()
                        + "') is not supported; list the module names");
            }
            t.forEach(x -> targets.add(x.asText()));
            return new LoraConfig(c.path("r").asInt(8), c.path("lora_alpha").asDouble(8), c.path("lora_dropout")
                    .asDouble(0), targets, c.path("use_rslora").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Attaches the adapter stored in {@code dir} to {@code model}, its factors trainable (FP32, with gradients) and
     * its dropout as configured. Read and checked by {@link LoraWeights#read} first (every targeted projection's
     * factors in the right shapes, no stray tensors), so on any error the model is left as it was.
     */
    public static LoraConfig load(CausalLM model, Path dir) throws IOException {
        for (Linear l : model.projections()) {
            if (l.lora() != null) {
                throw new IllegalStateException(l.name() + " already has an adapter; merge or detach it first");
            }
        }
        try (LoraWeights w = LoraWeights.read(model, dir)) {
            LoraConfig config = w.config();
            for (Linear l : model.projections()) {
                LoraAdapter read = w.adapters().get(l.name());
                if (read == null) {
                    continue;
                }
                NDArray a = read.a().duplicate();
                NDArray b = read.b().duplicate();
                a.attach(model.manager());
                b.attach(model.manager());
                a.setRequiresGradient(true);
                b.setRequiresGradient(true);
                model.attachAdapter(l, new LoraAdapter(a, b, config.scale(), (float) config.dropout()));
            }
            return config;
        }
    }
}
