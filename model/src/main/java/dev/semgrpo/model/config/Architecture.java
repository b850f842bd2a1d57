package dev.semgrpo.model.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The decoder families semgrpo runs, keyed by HF {@code model_type}. */
public enum Architecture {
    /** Llama 2/3: optional {@code attention_bias} on q/k/v/o, optional {@code mlp_bias}. */
    LLAMA("llama", "LlamaForCausalLM"),
    /** Qwen2 / Qwen2.5: bias on q/k/v, none on o. */
    QWEN2("qwen2", "Qwen2ForCausalLM"),
    /** Qwen3: per-head RMSNorm on q and k ({@code q_norm}, {@code k_norm}), explicit {@code head_dim}. */
    QWEN3("qwen3", "Qwen3ForCausalLM");

    private final String modelType;
    private final String hfClass;

    Architecture(String modelType, String hfClass) {
        this.modelType = modelType;
        this.hfClass = hfClass;
    }

    /** HF {@code model_type}. */
    public String modelType() {
        return modelType;
    }

    /** HF {@code architectures[0]}. */
    public String hfClass() {
        return hfClass;
    }

    /** Whether q/k/v/o carry per-head RMSNorm on q and k. */
    public boolean hasQkNorm() {
        return this == QWEN3;
    }

    public static Architecture fromModelType(String modelType) {
        for (Architecture a : values()) {
            if (a.modelType.equals(modelType)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unsupported model_type '" + modelType + "'; supported: " + supported());
    }

    public static String supported() {
        return Arrays.stream(values()).map(Architecture::modelType).collect(Collectors.joining(", "));
    }
}
