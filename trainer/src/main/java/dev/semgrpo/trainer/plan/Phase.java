package dev.semgrpo.trainer.plan;

import java.util.List;

/**
 * A part of a stage whose transient memory comes and goes (generation, the update of a micro-batch, one evaluation
 * task). A stage's peak is its resident terms plus its largest phase.
 *
 * @param name e.g. {@code update (micro-batch of 4 x 1024 tokens)}
 * @param terms transient terms alive together at the phase's peak
 * @param lower the settings that shrink this phase, with their values, e.g. {@code optim.micro_batch (now 4)}
 */
public record Phase(String name, List<Term> terms, String lower) {
    public Phase {
        terms = List.copyOf(terms);
    }

    public long bytes() {
        return terms.stream().mapToLong(Term::bytes).sum();
    }
}
