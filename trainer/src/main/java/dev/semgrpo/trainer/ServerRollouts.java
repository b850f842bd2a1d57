package dev.semgrpo.trainer;

import dev.semgrpo.model.remote.OpenAiBackend;
import dev.semgrpo.model.remote.RemoteException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Rollouts on an OpenAI-compatible server that serves the base model: before a step's first rollout the policy's
 * current adapter is saved to {@code adapterDir/<run>-step-N}, loaded under that name
 * ({@code /v1/load_lora_adapter}), and the previous step's adapter is unloaded and its folder removed. Requests of the
 * step name that adapter, so the server samples from exactly the weights the trainer holds.
 */
final class ServerRollouts implements AutoCloseable {
    private final OpenAiBackend server;
    private final Policy policy;
    private final Path adapterDir;
    private final String prefix;
    private String loaded; // the adapter name the server holds for us, or null
    private long loadedStep = -1;
    private OpenAiBackend current;

    /**
     * @param server connected to the served base model
     * @param adapterDir a folder the server reads at the same absolute path
     * @param prefix adapter names start with it (the run's name)
     */
    ServerRollouts(OpenAiBackend server, Policy policy, Path adapterDir, String prefix) {
        this.server = server;
        this.policy = policy;
        this.adapterDir = adapterDir.toAbsolutePath().normalize();
        this.prefix = prefix;
    }

    OpenAiBackend server() {
        return server;
    }

    /** The backend that samples from the policy as it is at {@code step} (its adapter loaded once per step). */
    OpenAiBackend forStep(long step) throws IOException {
        if (step == loadedStep) {
            return current;
        }
        String name = prefix + "-step-" + step;
        Path dir = adapterDir.resolve(name);
        deleteAdapter(dir); // left by a run killed during this step: the resumed step rewrites it
        Files.createDirectories(adapterDir);
        policy.saveAdapter(dir);
        try {
            server.loadAdapter(name, dir);
        } catch (RemoteException e) {
            if (e.status() != 400 || !e.getMessage().contains("already")) {
                throw e;
            }
            // a killed run left this name loaded: replace it with the adapter the resumed run holds now
            server.unloadAdapter(name);
            server.loadAdapter(name, dir);
        }
        if (loaded == null && step > 1) {
            // the first step of this process: a killed run may have left the previous step's adapter loaded
            loaded = prefix + "-step-" + (step - 1);
        }
        release();
        loaded = name;
        loadedStep = step;
        current = server.withModel(name);
        return current;
    }

    /** Unloads the adapter loaded last (if any) and removes its folder. */
    private void release() throws IOException {
        if (loaded == null) {
            return;
        }
        String old = loaded;
        loaded = null;
        try {
            server.unloadAdapter(old);
        } catch (RemoteException e) {
            if (e.status() != 404) {
                throw e;
            }
        }
        deleteAdapter(adapterDir.resolve(old));
    }

    /** Deletes an adapter folder this class wrote (only its two PEFT files, then the folder). */
    private static void deleteAdapter(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /** Unloads the last adapter; called when training ends. The server connection is closed by its owner. */
    @Override
    public void close() throws IOException {
        // the newest adapter loaded after a step is not the newest trained: the final checkpoint holds that one
        String pending = loaded;
        loadedStep = -1;
        if (pending != null) {
            release();
        }
    }
}
