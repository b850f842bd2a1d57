package dev.semgrpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.semgrpo.model.io.Jsonl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The JSONL file a command writes ({@code --out}) and whether an existing one may be replaced. */
final class OutputFile {
    @Option(names = "--out", required = true, description = "output JSONL; must not exist (unless --overwrite) and"
            + " is written whole or not at all")
    Path out;

    @Option(names = "--overwrite", description = "replace --out when it exists (never one of the command's inputs)")
    boolean overwrite;

    /** Checks, before any work, that {@code --out} may be written and is none of {@code inputs}. */
    void check(OutputPaths.Input... inputs) throws IOException {
        OutputPaths.requireWritableFile(out, "--out", overwrite, List.of(inputs));
    }

    /** Writes the records atomically. */
    void write(List<? extends JsonNode> records) throws IOException {
        Jsonl.write(out, records, overwrite);
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
