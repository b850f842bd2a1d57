package dev.semgrpo.eval.task;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.semgrpo.model.Torch;
import dev.semgrpo.model.config.Architecture;
import dev.semgrpo.model.config.ModelConfig;
import dev.semgrpo.model.generate.LogProbScorer;
import dev.semgrpo.model.lora.Lora;
import dev.semgrpo.model.lora.LoraConfig;
import dev.semgrpo.model.nn.CausalLM;
import dev.semgrpo.model.optim.AdamW;
import dev.semgrpo.model.tokenizer.ByteLevelTokenizer;
import java.util.List;

/** Tiny models for eval tests: a random Qwen3 over the byte-level vocabulary, and a few AdamW steps on text. */
final class TinyEval {
    private TinyEval() {
    }

    static CausalLM model(long seed) {
        ModelConfig c = ModelConfig.builder().setArchitecture(Architecture.QWEN3).setVocabSize(ByteLevelTokenizer.vocabSize())
                .setHiddenSize(32).setIntermediateSize(64).setNumLayers(2).setNumHeads(4).optNumKvHeads(2)
                .optHeadDim(8).optRmsNormEps(1e-6).setRopeTheta(1e6).optTieWordEmbeddings(true)
                .optMaxPositionEmbeddings(512).optEosTokenIds(List.of(258)).optPadTokenId(256).build();
        return CausalLM.randomInit(c, seed, 0.2, Device.cpu(), DataType.FLOAT32);
    }

    /** Attaches a LoRA adapter (B = 0, so the model is unchanged) and returns its parameters. */
    static List<NDArray> adapter(CausalLM model) {
        return Lora.attach(model, new LoraConfig(8, 16, 0.0, List.of("q_proj", "k_proj", "v_proj", "o_proj",
                "gate_proj", "up_proj", "down_proj"), false), 7);
    }

    /** {@code steps} AdamW steps raising log p(completion | prompt) for every pair. */
    static void train(CausalLM model, List<NDArray> params, List<int[]> prompts, List<int[]> completions, int steps,
            float lr) {
        try (AdamW opt = new AdamW(params, 0.9f, 0.999f, 1e-8f, 0f)) {
            for (int s = 0; s < steps; s++) {
                try (NDManager m = model.manager().newSubManager(); GradientCollector gc = Torch.gradients()) {
                    LogProbScorer.Scores sc = LogProbScorer.score(model, m, prompts, completions, 1.0, false);
                    gc.backward(sc.logprobs().mul(sc.mask()).sum().neg());
                }
                opt.step(lr, 1.0f);
            }
        }
    }
}
