package dev.semgrpo.trainer.plan;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The memory estimate of one stage.
 *
 * @param stage the stage's name (a pipeline stage, or {@code sft} / {@code grpo} for {@code semgrpo train})
 * @param device where it computes: {@code cpu}, {@code gpu} or {@code gpu:N}
 * @param resident terms held for the whole stage (weights, adapter and optimizer state)
 * @param phases transient peaks; the largest one counts
 * @param host terms in host RAM while the stage computes on a GPU (a reward encoder on the CPU)
 */
public record StagePlan(String stage, String device, List<Term> resident, List<Phase> phases, List<Term> host) {
    public StagePlan {
        resident = List.copyOf(resident);
        phases = List.copyOf(phases);
        host = List.copyOf(host);
    }

    public boolean onGpu() {
        return device.startsWith("gpu");
    }

    /** The phase with the largest transient memory, or null when there is none. */
    public Phase peakPhase() {
        return phases.stream().max(Comparator.comparingLong(Phase::bytes)).orElse(null);
    }

    /** Peak bytes on the stage's device: resident terms plus the largest phase (plus host terms on a CPU). */
    public long peak() {
        long r = resident.stream().mapToLong(Term::bytes).sum();
        Phase p = peakPhase();
        return r + (p == null ? 0 : p.bytes()) + (onGpu() ? 0 : hostBytes());
    }

    /** Bytes of the host-RAM terms. */
    public long hostBytes() {
        return host.stream().mapToLong(Term::bytes).sum();
    }

    /**
     * Why the stage does not fit, or null when it does.
     *
     * @param budget the memory of the device and of the host
     */
    public String refusal(MemoryBudget budget) {
        long limit = onGpu() ? budget.gpuBytes() : budget.hostBytes();
        String source = onGpu() ? budget.gpuSource() : budget.hostSource();
        Phase p = peakPhase();
        if (peak() > limit) {
            StringBuilder advice = new StringBuilder();
            long base = peak() - (p == null ? 0 : p.bytes());
            java.util.Set<String> named = new java.util.HashSet<>();
            for (Phase over : phases.stream().sorted(Comparator.comparingLong(Phase::bytes).reversed()).toList()) {
                if (base + over.bytes() > limit && over.lower() != null && named.add(over.lower())) {
                    advice.append(advice.length() == 0 ? ": lower " : "; for " + over.name() + ", lower ")
                            .append(over.lower());
                }
            }
            return String.format(Locale.ROOT, "stage %s needs about %s on %s, more than the %s of %s (%s); the peak is"
                    + " %s (%s)%s", stage, MemoryBudget.format(peak()), device, MemoryBudget.format(limit),
                    onGpu() ? "GPU" : "host RAM", source, p == null ? "resident weights" : p.name(),
                    MemoryBudget.format(p == null ? 0 : p.bytes()), advice);
        }
        if (onGpu() && hostBytes() > budget.hostBytes()) {
            return String.format(Locale.ROOT, "stage %s needs about %s of host RAM (%s), more than the %s there (%s)",
                    stage, MemoryBudget.format(hostBytes()), host.stream().map(Term::name).toList(),
                    MemoryBudget.format(budget.hostBytes()), budget.hostSource());
        }
        return null;
    }

    /** A human-readable table of the terms, largest phase marked. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s on %s: peak %s%n", stage, device, MemoryBudget.format(peak())));
        for (Term t : resident) {
            line(sb, "  ", t);
        }
        Phase peak = peakPhase();
        for (Phase p : phases) {
            sb.append(String.format(Locale.ROOT, "  %s %s: %s%n", p == peak ? "*" : "-", p.name(),
                    MemoryBudget.format(p.bytes())));
            for (Term t : p.terms()) {
                line(sb, "      ", t);
            }
        }
        for (Term t : host) {
            line(sb, "  host: ", t);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String indent, Term t) {
        sb.append(String.format(Locale.ROOT, "%s%-34s %10s  %s%n", indent, t.name(), MemoryBudget.format(t.bytes()),
                t.how()));
    }
}
