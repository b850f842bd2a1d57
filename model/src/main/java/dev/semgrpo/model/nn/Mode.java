package dev.semgrpo.model.nn;

/**
 * How one forward runs.
 *
 * @param adapters whether unmerged LoRA adapters take part
 * @param training adapter dropout on
 * @param inplace no gradients are being recorded, so temporaries may be overwritten in place (fewer allocations)
 * @param batch rows of the batch (B)
 * @param tokens tokens per row (T); the layers see the activations as (B*T, hidden)
 */
record Mode(boolean adapters, boolean training, boolean inplace, long batch, long tokens) {
}
