/** The {@code semgrpo} command and its subcommands; logic lives in the other modules. */
package dev.semgrpo.cli;
