/**
 * {@code semgrpo serve}: the OpenAI/vLLM-compatible HTTP API ({@code /v1/completions}, {@code /v1/chat/completions},
 * {@code /v1/models}, {@code /v1/load_lora_adapter}, {@code /v1/unload_lora_adapter}, {@code /health}) over the local
 * engine, on the JDK's HTTP server. The wire contract is {@code notes/wire.md}; the client is
 * {@code dev.semgrpo.model.remote.OpenAiBackend}.
 *
 * <p>Owns request parsing and validation ({@link dev.semgrpo.serve.CompletionRequest},
 * {@link dev.semgrpo.serve.ChatRequest}), limits and auth, the adapter registry (PEFT adapters under an allowed
 * root, held in memory and swapped onto the one base model per batch), the scheduler (one engine thread, a bounded
 * queue, batches of requests with the same model and sampling parameters) and response formatting. Everything runs
 * in-process through {@link dev.semgrpo.serve.Server#start}, so tests run against a real server on loopback.
 *
 * <p>Must not own model math, sampling or log-prob computation (those are {@code model}'s Generator and
 * LogProbScorer), training, or anything of the command line; it depends on {@code model} only.
 */
package dev.semgrpo.serve;
