package dev.semgrpo.model.lora;

import java.util.List;
import java.util.Set;

/**
 * LoRA settings, named as PEFT names them in {@code adapter_config.json}.
 *
 * @param r rank
 * @param alpha {@code lora_alpha}; the update is scaled by alpha / r (alpha / sqrt(r) with rsLoRA)
 * @param dropout {@code lora_dropout} on the adapter input while training
 * @param targetModules projection names to wrap: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj
 * @param useRslora rank-stabilised scaling
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, boolean useRslora) {
    /** Modules a decoder layer offers. */
    public static final Set<String> MODULES = Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
            "down_proj");

    public LoraConfig {
        targetModules = List.copyOf(targetModules);
        if (r < 1) {
            throw new IllegalArgumentException("lora r must be >= 1, found " + r);
        }
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("lora_alpha must be > 0, found " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), found " + dropout);
        }
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("target_modules must name at least one of " + MODULES);
        }
        for (String m : targetModules) {
            if (!MODULES.contains(m)) {
                throw new IllegalArgumentException("unknown target module '" + m + "'; choose from " + MODULES);
            }
        }
    }

    /** The paper's adapter: r=64, alpha=128, dropout 0.05 on every attention and MLP projection. */
    public static LoraConfig paper() {
        return new LoraConfig(64, 128, 0.05, List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                "down_proj"), false);
    }

    public float scale() {
        return (float) (useRslora ? alpha / Math.sqrt(r) : alpha / r);
    }

    /** Whether the projection named {@code module} (a full HF path) is wrapped. */
    public boolean targets(String module) {
        return targetModules.contains(module.substring(module.lastIndexOf('.') + 1));
    }
}
