package dev.semgrpo.serve;

import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.model.lora.LoraWeights;
import dev.semgrpo.model.nn.CausalLM;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;

/**
 * The LoRA adapters a server holds in memory, by name, over its one base model. Loading reads and checks an adapter
 * once ({@link LoraWeights}); {@link #activate} swaps one onto the model per batch without re-reading files or
 * closing anything. Runtime loads are confined to the allowed root: the path is checked lexically (no {@code ..}
 * out) and again after {@code toRealPath} (no symlink out). Load, unload and activate run on the engine thread;
 * lookups may come from any thread.
 */
final class AdapterRegistry implements AutoCloseable {
    /**
     * One loaded adapter.
     *
     * @param root the directory it was read from (after resolving symlinks)
     * @param created seconds since the epoch when it was loaded
     */
    record Adapter(String name, Path root, LoraWeights weights, long created) {
    }

    private final CausalLM model;
    private final String baseName;
    private final Path loraRoot; // as given, absolute and normalised; null = runtime loading off
    private final Path loraRootReal;
    private final int maxLoras;
    private final int maxRank;
    private final Map<String, Adapter> loaded = new LinkedHashMap<>(); // guarded by this
    private Adapter active; // engine thread only

    /**
     * @param loraRoot the only place runtime loads may read from; null turns runtime loading off
     * @throws IOException when the root does not exist
     */
    AdapterRegistry(CausalLM model, String baseName, Path loraRoot, int maxLoras, int maxRank) throws IOException {
        this.model = model;
        this.baseName = baseName;
        this.loraRoot = loraRoot == null ? null : loraRoot.toAbsolutePath().normalize();
        this.loraRootReal = loraRoot == null ? null : loraRoot.toRealPath();
        this.maxLoras = maxLoras;
        this.maxRank = maxRank;
    }

    boolean runtimeLoading() {
        return loraRoot != null;
    }

    /** @throws ApiError 404 when runtime loading is off (vLLM has no such routes then) */
    void requireRuntimeLoading() {
        if (!runtimeLoading()) {
            throw ApiError.notFound(null, "runtime LoRA loading is off: start the server with --lora-root DIR to load"
                    + " and unload adapters from under DIR");
        }
    }

    /** The adapter named {@code name}, or null (the base model's name, or unknown). */
    synchronized Adapter get(String name) {
        return loaded.get(name);
    }

    /** Whether requests may name {@code name}: the base model or a loaded adapter. */
    synchronized boolean serves(String name) {
        return baseName.equals(name) || loaded.containsKey(name);
    }

    /** The loaded adapters in load order. */
    synchronized List<Adapter> list() {
        return new ArrayList<>(loaded.values());
    }

    /**
     * Loads an adapter the operator named at start ({@code --lora-modules}): trusted, so any directory, but the
     * rank and count limits hold.
     */
    void preload(String name, Path dir) throws IOException {
        load(name, dir.toRealPath());
    }

    /**
     * Loads {@code path} (absolute, or relative to the root) under {@code name} at run time.
     *
     * @throws ApiError 400 when the name is taken, the path leaves the root, is not a PEFT LoRA directory, exceeds
     *     the rank limit or does not fit the base model; 404 when runtime loading is off
     */
    Adapter loadAtRuntime(String name, String path) {
        requireRuntimeLoading();
        Path given;
        try {
            given = Path.of(path);
        } catch (InvalidPathException e) {
            throw ApiError.badRequest("lora_path", "lora_path '" + path + "' is not a valid path: " + e.getReason());
        }
        Path lexical = (given.isAbsolute() ? given : loraRootReal.resolve(given)).normalize();
        if (!lexical.startsWith(loraRoot) && !lexical.startsWith(loraRootReal)) {
            throw outside(path);
        }
        Path real;
        try {
            real = lexical.toRealPath();
        } catch (NoSuchFileException e) {
            throw ApiError.badRequest("lora_path", "lora_path '" + path + "' does not exist under the server's"
                    + " --lora-root");
        } catch (IOException e) {
            throw ApiError.badRequest("lora_path", "lora_path '" + path + "' cannot be read: " + e.getMessage());
        }
        if (!real.startsWith(loraRootReal)) {
            throw outside(path);
        }
        try {
            return load(name, real);
        } catch (IOException e) {
            throw ApiError.badRequest("lora_path", "lora_path '" + path + "' is not a readable PEFT LoRA adapter: "
                    + e.getMessage());
        }
    }

    private static ApiError outside(String path) {
        return ApiError.badRequest("lora_path", "lora_path '" + path + "' is outside the server's --lora-root (after"
                + " resolving '..' and symbolic links); only adapters under the root can be loaded");
    }

    private Adapter load(String name, Path dir) throws IOException {
        checkName(name);
        synchronized (this) {
            if (loaded.size() >= maxLoras) {
                throw ApiError.badRequest("lora_name", loaded.size() + " adapters are loaded, the most --max-loras="
                        + maxLoras + " allows; unload one first (loaded: " + loaded.keySet() + ")");
            }
        }
        LoraConfig config;
        try {
            config = Lora.readConfig(dir);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("lora_path", "not a LoRA adapter semgrpo can apply: " + e.getMessage());
        }
        if (config.r() > maxRank) {
            throw ApiError.badRequest("lora_path", "the adapter in '" + dir.getFileName() + "' has rank r="
                    + config.r() + ", more than the server's --max-lora-rank=" + maxRank);
        }
        LoraWeights weights;
        try {
            weights = LoraWeights.read(model, dir);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("lora_path", e.getMessage());
        }
        Adapter a = new Adapter(name, dir, weights, System.currentTimeMillis() / 1000);
        synchronized (this) {
            loaded.put(name, a);
        }
        return a;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.length() > 256 || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ApiError.badRequest("lora_name", "lora_name must be 1 to 256 printable characters, found "
                    + (name.length() > 60 ? name.length() + " characters" : "'" + name + "'"));
        }
        if (name.equals(baseName)) {
            throw ApiError.badRequest("lora_name", "lora_name '" + name + "' is the base model's name; choose another");
        }
        synchronized (this) {
            if (loaded.containsKey(name)) {
                throw ApiError.badRequest("lora_name", "an adapter named '" + name + "' is already loaded (from '"
                        + loaded.get(name).root().getFileName() + "'); unload it first or choose another name");
            }
        }
    }

    /**
     * Removes and frees the adapter named {@code name}, taking it off the model first when it is on.
     *
     * @throws ApiError 404 when no adapter of that name is loaded
     */
    void unload(String name) {
        Adapter a;
        synchronized (this) {
            a = loaded.remove(name);
        }
        if (a == null) {
            throw ApiError.notFound("lora_name", "no adapter named '" + name + "' is loaded"
                    + (name.equals(baseName) ? " ('" + name + "' is the base model, which cannot be unloaded)" : ""));
        }
        if (active == a) {
            model.useAdapters(Map.of());
            active = null;
        }
        a.weights().close();
    }

    /**
     * Puts the adapter of {@code name} on the model (none for the base model's name).
     *
     * @throws ApiError 404 when the name is neither (an adapter unloaded while the request waited)
     */
    void activate(String name) {
        Adapter a = null;
        if (!baseName.equals(name)) {
            a = get(name);
            if (a == null) {
                throw ApiError.notFound("model", "the model '" + name + "' does not exist (an adapter of that name was"
                        + " unloaded while the request waited)");
            }
        }
        if (a == active) {
            return;
        }
        if (a == null) {
            model.useAdapters(Map.of());
        } else {
            a.weights().applyTo(model);
        }
        active = a;
    }

    @Override
    public synchronized void close() {
        model.useAdapters(Map.of());
        active = null;
        for (Entry<String, Adapter> e : loaded.entrySet()) {
            e.getValue().weights().close();
        }
        loaded.clear();
    }
}
