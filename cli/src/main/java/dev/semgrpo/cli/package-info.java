/**
 * The {@code semgrpo} command and its subcommands: options, progress bars and printed summaries. Must not own logic
 * that a library user would need without the command line; that lives in the other modules.
 */
package dev.semgrpo.cli;
