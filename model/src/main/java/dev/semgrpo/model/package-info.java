/**
 * HuggingFace causal LMs on DJL: {@code config.json}, safetensors, tokenizer and chat template, the decoder forward,
 * generation and log-prob scoring, LoRA in PEFT format, and the shared input/output rules every module uses
 * ({@code model.io}: strict JSON/YAML, the one config loader {@code YamlConfig}, atomic files, run-directory locks,
 * TensorBoard event files).
 *
 * <p>Owns model math and file formats. Must not own training loops, rewards, metrics or evaluation; it depends on no
 * other semgrpo module.
 */
package dev.semgrpo.model;
