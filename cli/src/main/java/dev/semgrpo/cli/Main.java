package dev.semgrpo.cli;

import dev.semgrpo.model.io.Provenance;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code semgrpo} command. */
@Command(name = "semgrpo", mixinStandardHelpOptions = true, version = "semgrpo 0.1.0",
        description = "GRPO with semantic rewards for low-resource language expansion, on the JVM.",
        subcommands = {InitModelCommand.class, GenerateCommand.class, LogprobsCommand.class, RewardCommand.class,
                EmbedCommand.class, EmbedderCommand.class, TrainCommand.class, MergeAdapterCommand.class,
                EvalCommand.class, MergeShardsCommand.class, JudgeCommand.class, ReportCommand.class,
                PipelineCommand.class, PlanCommand.class, ServeCommand.class,
                DemoCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  semgrpo demo",
                "  semgrpo doctor",
                "  semgrpo init-model --arch qwen3 --hidden 64 --layers 2 --heads 4 \\",
                "      --kv-heads 2 --vocab-from data/tokenizers/byte-level/tokenizer.json \\",
                "      --seed 1 --out runs/tiny",
                "  semgrpo generate --model runs/tiny --prompts prompts.jsonl \\",
                "      --out samples.jsonl --n 8",
                "  semgrpo serve --model runs/tiny --port 8000",
                "",
                "Run 'semgrpo <command> --help' for a command's options and examples."})
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code; errors are printed as one clear message, no trace. */
    public static int run(String... args) {
        List<String> command = new ArrayList<>(List.of("semgrpo"));
        command.addAll(Arrays.asList(args));
        Provenance.recordCommand(command); // what provenance.json records
        return commandLine(System.getenv()).execute(args);
    }

    /**
     * The {@code semgrpo} command line with its subcommands, help laid out for the environment's {@code COLUMNS} (or
     * the terminal), unknown options reported with the closest known ones, and errors as one clear message.
     */
    static CommandLine commandLine(Map<String, String> env) {
        CommandLine cl = new CommandLine(new Main());
        HelpLayout.apply(cl, env);
        cl.setParameterExceptionHandler(new UnknownOptions());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + message(ex));
            if (System.getenv("SEMGRPO_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cl;
    }

    /** The error's message; file-system errors whose message is only a path get the reason added. */
    static String message(Exception ex) {
        if (ex instanceof NoSuchFileException e && e.getReason() == null) {
            return e.getFile() + ": no such file or folder";
        }
        if (ex instanceof AccessDeniedException e && e.getReason() == null) {
            return e.getFile() + ": permission denied; check its permissions and those of its folders";
        }
        if (ex instanceof FileAlreadyExistsException e && e.getReason() == null) {
            return e.getFile() + ": already exists (nothing was replaced); choose another path";
        }
        if (ex instanceof NotDirectoryException e && e.getReason() == null) {
            return e.getFile() + ": not a folder";
        }
        if (ex instanceof DirectoryNotEmptyException e && e.getReason() == null) {
            return e.getFile() + ": a folder that is not empty (nothing was replaced)";
        }
        return ex.getMessage();
    }
}
