/**
 * Generation on an OpenAI-compatible server (vLLM, {@code semgrpo serve}, any server of that API):
 * {@link dev.semgrpo.model.remote.OpenAiBackend} implements the same
 * {@link dev.semgrpo.model.generate.GenerationBackend} as the local engine, and hands LoRA adapters to the server
 * at run time (vLLM's {@code /v1/load_lora_adapter}). The wire contract is in docs/scale-out.md.
 *
 * <p>Owns the HTTP client, its retries and its errors. Must not own training or evaluation logic.
 */
package dev.semgrpo.model.remote;
