package dev.semgrpo.model.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks every reader of a model directory makes first. A model is a local folder (config.json, safetensors,
 * tokenizer files); a Hugging Face id such as {@code Qwen/Qwen3-4B} given where a folder is expected gets the
 * commands that download it, instead of a message about a missing file inside it.
 */
public final class ModelDirectory {
    /** An owner or a repository name on the Hugging Face Hub. */
    private static final Pattern HUB_PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");

    /** Folder names semgrpo's docs and configs use for local models and runs: not taken for a Hub owner. */
    private static final Set<String> LOCAL_FOLDERS = Set.of("models", "runs", "data", "checkpoints", "outputs");

    private ModelDirectory() {
    }

    /**
     * The Hugging Face id a missing path looks like: its last two names, {@code owner/name}, when neither the path
     * nor its parent exists (so {@code runs/tiny} inside an existing {@code runs/} is not taken for one), and the
     * owner is not one of the local folder names the docs use ({@code models/Qwen3-4B} is a download not yet made).
     */
    public static Optional<String> hubIdLike(Path dir) {
        if (dir == null || dir.getNameCount() < 2 || Files.exists(dir)) {
            return Optional.empty();
        }
        Path parent = dir.getParent();
        if (parent != null && Files.exists(parent)) {
            return Optional.empty();
        }
        String owner = dir.getName(dir.getNameCount() - 2).toString();
        String name = dir.getFileName().toString();
        if (!HUB_PART.matcher(owner).matches() || !HUB_PART.matcher(name).matches() || LOCAL_FOLDERS.contains(owner)
                || name.endsWith(".json") || name.endsWith(".safetensors")) {
            return Optional.empty();
        }
        return Optional.of(owner + "/" + name);
    }

    /** How to get a Hub model into a local folder, for an error message. */
    public static String downloadHint(String hubId) {
        String local = "models/" + hubId.substring(hubId.indexOf('/') + 1);
        return "if " + hubId + " is a Hugging Face model id: semgrpo reads models from local folders, so download it"
                + " first with 'huggingface-cli download " + hubId + " --local-dir " + local + "' (or 'git lfs clone"
                + " https://huggingface.co/" + hubId + " " + local + "') and give that folder";
    }

    /** Why {@code dir} is no model directory: absent (with the download hint when it looks like a Hub id). */
    public static String missing(Path dir) {
        return hubIdLike(dir).map(id -> dir + ": no such folder; " + downloadHint(id))
                .orElse(dir + ": no such folder");
    }

    /**
     * Checks that {@code dir} is an existing folder before a file inside it is read.
     *
     * @throws NoSuchFileException naming the path, with the download hint when it looks like a Hub id
     * @throws IOException when it is a file
     */
    public static void require(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (Files.exists(dir)) {
            throw new IOException(dir + ": a file, where a model folder (config.json, safetensors, tokenizer.json)"
                    + " is expected");
        }
        throw new NoSuchFileException(dir.toString(), null, hubIdLike(dir).map(id -> "no such folder; "
                + downloadHint(id)).orElse("no such folder"));
    }
}
