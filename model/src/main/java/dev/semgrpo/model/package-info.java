/** HuggingFace causal LMs on DJL: config, safetensors, tokenizer, chat template, forward, generation, LoRA. */
package dev.semgrpo.model;
