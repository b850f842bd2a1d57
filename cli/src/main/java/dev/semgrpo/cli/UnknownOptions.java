package dev.semgrpo.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reports a command line that does not parse. An unknown option is named as unknown with the closest known options
 * (picocli would otherwise report the required option it then misses: {@code --modl} gave "Missing required option
 * '--model'"); other problems keep picocli's message. Either way the message ends with where the help is.
 */
final class UnknownOptions implements CommandLine.IParameterExceptionHandler {
    /** The most suggestions printed. */
    private static final int MAX_SUGGESTIONS = 3;

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        List<String> unknown = cmd.getUnmatchedArguments().stream()
                .filter(a -> a.startsWith("-") && a.length() > 1 && !a.matches("-[0-9.].*")).toList();
        if (!unknown.isEmpty()) {
            String typo = unknown.get(0).split("=", 2)[0];
            err.println((unknown.size() == 1 ? "Unknown option: " : "Unknown options: ")
                    + String.join(", ", unknown.stream().map(a -> "'" + a + "'").toList()));
            List<String> close = suggestions(typo, cmd);
            if (!close.isEmpty()) {
                err.println("Did you mean " + String.join(" or ", close) + "?");
            }
        } else {
            err.println(ex.getMessage());
            if (ex instanceof UnmatchedArgumentException u) {
                UnmatchedArgumentException.printSuggestions(u, err);
            }
        }
        err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for its options and examples.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * The command's option names closest to a mistyped one: those it is a prefix of when there are any (an option
     * cut short), else those within a small edit distance (a third of its length, at least 1), nearest first.
     */
    static List<String> suggestions(String typo, CommandLine cmd) {
        record Candidate(String name, int distance) {
        }
        List<Candidate> found = new ArrayList<>();
        int limit = Math.max(1, typo.replaceFirst("^-+", "").length() / 3);
        boolean prefix = typo.length() >= 4 && cmd.getCommandSpec().options().stream()
                .anyMatch(o -> Arrays.stream(o.names()).anyMatch(n -> n.startsWith(typo)));
        for (OptionSpec option : cmd.getCommandSpec().options()) {
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String name : option.names()) {
                int d = prefix ? (name.startsWith(typo) ? 0 : Integer.MAX_VALUE) : distance(typo, name);
                if (d < bestDistance) {
                    best = name;
                    bestDistance = d;
                }
            }
            if (bestDistance <= limit) {
                found.add(new Candidate(best, bestDistance));
            }
        }
        return found.stream().sorted(Comparator.comparingInt(Candidate::distance).thenComparing(Candidate::name))
                .limit(MAX_SUGGESTIONS).map(Candidate::name).toList();
    }

    /** Levenshtein distance (insertions, deletions, substitutions) between two strings. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1]; // (b prefix length)
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
