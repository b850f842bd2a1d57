package dev.semgrpo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Every command's {@code --help}: examples kept whole and on their own lines; unknown options named as such. */
class HelpTextTest {
    /** Every command and subcommand by its full name ("semgrpo train grpo"), with its command line. */
    private static Map<String, CommandLine> commands(CommandLine cl, Map<String, CommandLine> into) {
        into.put(cl.getCommandSpec().qualifiedName(), cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            commands(sub, into);
        }
        return into;
    }

    /** The example commands of a footer, each with its continuation lines joined; comments and prose left out. */
    private static List<String> examples(String[] footer) {
        List<String> out = new ArrayList<>();
        StringBuilder current = null;
        for (String line : footer) {
            String text = line.strip();
            if (current != null) {
                boolean more = text.endsWith("\\");
                current.append(' ').append(more ? text.substring(0, text.length() - 1).strip() : text);
                if (!more) {
                    out.add(current.toString());
                    current = null;
                }
            } else if (line.startsWith("  ") && !text.startsWith("#")) {
                if (text.endsWith("\\")) {
                    current = new StringBuilder(text.substring(0, text.length() - 1).strip());
                } else {
                    out.add(text);
                }
            }
        }
        if (current != null) {
            fail("the last example ends with a backslash but nothing follows: " + current);
        }
        return out;
    }

    @Test
    void everyHelpKeepsItsExamplesWholeOnTheirOwnLinesAt80And120Columns() {
        for (int width : new int[] {80, 120}) {
            Map<String, CommandLine> all = commands(Main.commandLine(Map.of("COLUMNS", String.valueOf(width))),
                    new LinkedHashMap<>());
            assertTrue(all.size() >= 20, "commands found: " + all.keySet());
            for (Map.Entry<String, CommandLine> e : all.entrySet()) {
                String help = e.getValue().getUsageMessage();
                String[] footer = e.getValue().getCommandSpec().usageMessage().footer();
                if (e.getKey().endsWith(" help")) {
                    continue;
                }
                assertTrue(Arrays.asList(footer).contains("Examples:"), e.getKey() + " has no examples");
                List<String> helpLines = help.lines().toList();
                for (String line : footer) {
                    assertTrue(line.length() <= HelpLayout.EXAMPLE_WIDTH, e.getKey() + ": a footer line of "
                            + line.length() + " columns would wrap on an 80-column terminal: " + line);
                    assertTrue(helpLines.contains(line), e.getKey() + " at " + width
                            + " columns does not show this line as written: '" + line + "'\n" + help);
                }
                for (int i = 0; i + 1 < footer.length; i++) {
                    if (footer[i + 1].startsWith("      ") && !footer[i].startsWith("  #")) {
                        assertTrue(footer[i].endsWith(" \\"), e.getKey() + ": '" + footer[i]
                                + "' is continued on the next line but does not end with a backslash");
                    }
                }
                for (String line : help.lines().toList()) {
                    assertTrue(line.length() <= Math.max(width, HelpLayout.EXAMPLE_WIDTH),
                            e.getKey() + " at " + width + " columns: " + line);
                }
            }
        }
    }

    @Test
    void everySemgrpoExampleParsesAsACompleteCommandLine() {
        Map<String, CommandLine> all = commands(Main.commandLine(Map.of()), new LinkedHashMap<>());
        int parsed = 0;
        for (Map.Entry<String, CommandLine> e : all.entrySet()) {
            for (String example : examples(e.getValue().getCommandSpec().usageMessage().footer())) {
                String command = example.replaceFirst("#.*$", "").strip();
                List<String> words = new ArrayList<>(Arrays.asList(command.split("\\s+")));
                while (!words.isEmpty() && words.get(0).matches("[A-Z_]+=.*")) {
                    words.remove(0); // an environment variable set for the command
                }
                if (words.isEmpty() || !words.get(0).matches("(scripts/)?semgrpo")) {
                    continue; // curl, export: not ours to parse
                }
                words.remove(0);
                words.remove("--tf32"); // the launcher's own flag
                try {
                    Main.commandLine(Map.of()).parseArgs(words.toArray(String[]::new));
                    parsed++;
                } catch (ParameterException ex) {
                    fail(e.getKey() + ": the example '" + example + "' does not parse: " + ex.getMessage());
                }
            }
        }
        assertTrue(parsed >= 40, "examples parsed: " + parsed);
    }

    private static String parseError(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(Map.of());
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        assertEquals(2, code, err.toString());
        return err.toString();
    }

    @Test
    void aMistypedOptionIsReportedAsUnknownWithTheClosestKnownOption() {
        String err = parseError("generate", "--modl", "runs/tiny", "--prompts", "p.jsonl", "--out", "s.jsonl");
        assertTrue(err.startsWith("Unknown option: '--modl'\nDid you mean --model?\n"), err);
        assertFalse(err.contains("Missing required"), err);
        assertTrue(err.contains("Run 'semgrpo generate --help'"), err);

        err = parseError("generate", "--modl", "runs/tiny");
        assertTrue(err.startsWith("Unknown option: '--modl'\nDid you mean --model?\n"), err);
        assertFalse(err.contains("Missing required"), err);

        err = parseError("train", "grpo", "--confg", "c.yaml");
        assertTrue(err.startsWith("Unknown option: '--confg'\nDid you mean --config?\n"), err);

        err = parseError("eval", "--model", "m", "--tasks", "t", "--out", "o", "--temp=0.5", "--xyzzy");
        assertTrue(err.startsWith("Unknown options: '--temp=0.5', '--xyzzy'\n"), err);

        err = parseError("generate", "--model", "m", "--prompts", "p.jsonl");
        assertTrue(err.startsWith("Missing required option: '--out=<out>'"), "a real omission is still named: " + err);
    }

    @Test
    void suggestionsAreNearestFirst() {
        CommandLine generate = Main.commandLine(Map.of()).getSubcommands().get("generate");
        assertEquals(List.of("--model"), UnknownOptions.suggestions("--modl", generate));
        assertEquals(List.of("--temperature"), UnknownOptions.suggestions("--temp", generate));
        assertEquals(List.of(), UnknownOptions.suggestions("--zzzzzzzz", generate));
        assertEquals(3, UnknownOptions.distance("kitten", "sitting"));
        assertEquals(0, UnknownOptions.distance("", ""));
    }

    @Test
    void columnsIsReadWhenItIsANumber() {
        assertEquals(120, HelpLayout.columns("120").getAsInt());
        assertTrue(HelpLayout.columns("wide").isEmpty());
        assertTrue(HelpLayout.columns(null).isEmpty());
        assertTrue(HelpLayout.columns("0").isEmpty());
        String narrow = Main.commandLine(Map.of("COLUMNS", "80")).getSubcommands().get("eval").getUsageMessage();
        String wide = Main.commandLine(Map.of("COLUMNS", "120")).getSubcommands().get("eval").getUsageMessage();
        assertTrue(narrow.lines().mapToInt(String::length).max().getAsInt() <= 80, narrow);
        assertTrue(wide.lines().mapToInt(String::length).max().getAsInt() > 80, "uses the width: " + wide);
    }
}
