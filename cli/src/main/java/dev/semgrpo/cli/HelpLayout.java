package dev.semgrpo.cli;

import java.util.Map;
import java.util.OptionalInt;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * How {@code --help} is laid out: option descriptions wrap at the terminal's width, and the footer (the examples) is
 * printed line by line as written, never re-wrapped, so a command and its continuation lines (ending in a backslash)
 * can be copied as they are. Footer lines are kept within {@link #EXAMPLE_WIDTH} columns in the source.
 */
final class HelpLayout {
    /** The widest a footer line may be, so that no terminal of at least this width wraps an example. */
    static final int EXAMPLE_WIDTH = 80;

    /** Picocli refuses usage widths below this. */
    private static final int MIN_WIDTH = 55;

    /** The width used when there is neither {@code COLUMNS} nor a terminal to ask. */
    private static final int DEFAULT_WIDTH = 80;

    private HelpLayout() {
    }

    /**
     * Applies the layout to a command line and all its subcommands: the width from {@code COLUMNS} when it is set to
     * a number, otherwise the terminal's own width (picocli asks the terminal), otherwise {@value #DEFAULT_WIDTH}.
     */
    static void apply(CommandLine cl, Map<String, String> env) {
        OptionalInt columns = columns(env.get("COLUMNS"));
        if (columns.isPresent()) {
            cl.setUsageHelpAutoWidth(false);
            cl.setUsageHelpWidth(Math.max(MIN_WIDTH, columns.getAsInt()));
        } else {
            cl.setUsageHelpWidth(DEFAULT_WIDTH);
            cl.setUsageHelpAutoWidth(true);
        }
        verbatimFooters(cl);
    }

    /** The width {@code COLUMNS} asks for, or empty when it is unset or not a positive number. */
    static OptionalInt columns(String value) {
        if (value == null || !value.trim().matches("[0-9]{1,4}")) {
            return OptionalInt.empty();
        }
        int n = Integer.parseInt(value.trim());
        return n > 0 ? OptionalInt.of(n) : OptionalInt.empty();
    }

    private static void verbatimFooters(CommandLine cl) {
        cl.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_FOOTER, help -> {
            StringBuilder out = new StringBuilder();
            for (String line : help.commandSpec().usageMessage().footer()) {
                out.append(line).append(System.lineSeparator());
            }
            return out.toString();
        });
        for (CommandLine sub : cl.getSubcommands().values()) {
            verbatimFooters(sub);
        }
    }
}
