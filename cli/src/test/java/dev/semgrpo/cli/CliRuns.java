package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs the CLI in this JVM, capturing what it prints; writes the tiny models the CLI tests start from. */
final class CliRuns {
    private CliRuns() {
    }

    /** An exit code and what the command printed on stdout. */
    record Result(int code, String out) {
    }

    /** Runs the command and returns its exit code and stdout. */
    static Result run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(args);
        } finally {
            System.setOut(old);
        }
        return new Result(code, buf.toString(StandardCharsets.UTF_8));
    }

    /** Runs the command expecting success, and returns its stdout. */
    static String succeeding(String... args) {
        Result r = run(args);
        assertEquals(0, r.code(), "expected success; stdout: " + r.out());
        return r.out();
    }

    /** Runs the command expecting a failure, and returns what it printed on stderr. */
    static String failing(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, Main.run(args), "expected a failure exit code");
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /**
     * A random-init model (hidden 32, 4 heads, 2 KV heads) written by {@code semgrpo init-model} to
     * {@code dir/name}, with the byte-level tokenizer written to {@code dir/tok}.
     */
    static Path initModel(Path dir, String name, String arch, int layers, int seed) throws IOException {
        Path tok = dir.resolve("tok");
        ByteLevelTokenizer.write(tok);
        Path model = dir.resolve(name);
        assertEquals(0, Main.run("init-model", "--arch", arch, "--hidden", "32", "--layers", String.valueOf(layers),
                "--heads", "4", "--kv-heads", "2", "--vocab-from", tok.resolve("tokenizer.json").toString(), "--seed",
                String.valueOf(seed), "--out", model.toString()));
        return model;
    }
}
