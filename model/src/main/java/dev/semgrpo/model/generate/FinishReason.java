package dev.semgrpo.model.generate;

/** Why a sample ended: an eos token or stop string ({@code stop}), or {@code max_new_tokens} ({@code length}). */
public enum FinishReason {
    STOP,
    LENGTH;

    /** The lowercase name used in JSONL output. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
