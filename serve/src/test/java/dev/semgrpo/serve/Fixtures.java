package dev.semgrpo.serve;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.nn.Linear;
import dev.semgrpo.model.nn.RandomModel;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import dev.semgrpo.model.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** Tiny random models and adapters written by the tests, and the server options they share. */
final class Fixtures {
    /** Longest prompt + completion of the test models. */
    static final int MAX_POSITIONS = 512;

    private Fixtures() {
    }

    /**
     * A random model over the byte-level tokenizer (ChatML template, eos = pad = &lt;|im_end|&gt;) in
     * {@code root/name}. The default init (std 0.02) gives near-uniform next-token distributions, so samples run
     * long and rarely hit eos.
     */
    static Path model(Path root, Architecture arch, String name, long seed) throws IOException {
        Path tokDir = root.resolve("tokenizer");
        if (!Files.exists(tokDir.resolve("tokenizer.json"))) {
            ByteLevelTokenizer.write(tokDir);
        }
        Path dir = root.resolve(name);
        try (TextTokenizer tok = TextTokenizer.load(tokDir)) {
            RandomModel.builder().setArchitecture(arch).setHiddenSize(64).setNumLayers(2).setNumHeads(4)
                    .optNumKvHeads(2).optMaxPositionEmbeddings(MAX_POSITIONS).optSeed(seed).build().write(dir, tok);
        }
        return dir;
    }

    /**
     * A PEFT adapter of rank {@code r} for the model in {@code modelDir}, written to {@code out}, with B drawn
     * normal(0, 0.3) so that it changes the model's output (PEFT's own init, B = 0, would not).
     */
    static Path adapter(Path modelDir, Path out, int r, long seed) throws IOException {
        LoraConfig cfg = new LoraConfig(r, 2.0 * r, 0.0, List.of("q_proj", "v_proj", "o_proj", "up_proj",
                "down_proj"), false);
        try (CausalLM model = CausalLM.load(modelDir, Device.cpu(), DataType.FLOAT32)) {
            Lora.attach(model, cfg, seed);
            Random rng = new Random(seed);
            for (Linear l : model.projections()) {
                if (l.lora() != null) {
                    long[] s = l.lora().b().getShape().getShape();
                    float[] v = new float[(int) (s[0] * s[1])];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) rng.nextGaussian() * 0.3f;
                    }
                    l.lora().b().set(v);
                }
            }
            Lora.save(model, cfg, out, null);
        }
        return out;
    }

    /** A server on a free loopback port that stops itself after two minutes at the latest. */
    static ServerOptions.Builder options(Path model) {
        return ServerOptions.builder().setModel(model).optPort(0).optStopAfterSeconds(120);
    }
}
