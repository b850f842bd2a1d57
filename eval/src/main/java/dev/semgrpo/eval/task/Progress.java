package dev.semgrpo.eval.task;

/** Where a task reports how far it is (the CLI draws a progress bar). */
public interface Progress {
    /** A task starts with {@code total} units of work (examples, or windows for perplexity). */
    void start(String task, long total);

    /** {@code done} units are finished. */
    void update(long done);

    /** No output. */
    Progress NONE = new Progress() {
        @Override
        public void start(String task, long total) {
        }

        @Override
        public void update(long done) {
        }
    };
}
