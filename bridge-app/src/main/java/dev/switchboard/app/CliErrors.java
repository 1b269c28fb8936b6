package dev.switchboard.app;

import dev.switchboard.core.config.ConfigException;
import dev.switchboard.registration.RegistrationException;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * How a subcommand's failure reaches the admin. A config or usage mistake ({@link ConfigException},
 * {@link RegistrationException}, wherever it was thrown: the config loader, a connector parsing its section) is
 * theirs to fix: one line on stderr naming the key, exit status 2, and the stack trace only with {@code --debug}.
 * Anything else is an outage or a bug, where the trace is what a report needs: it is printed, exit status 1.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {
  /** The exit status of a config or usage mistake (picocli uses it for unknown options and subcommands too). */
  static final int USAGE = 2;

  @Override
  public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
    PrintWriter err = command.getErr();
    Optional<RuntimeException> mistake = adminMistake(e);
    err.println("error: " + mistake.map(Throwable::getMessage).orElseGet(e::toString));
    if (mistake.isEmpty() || debug(parsed)) {
      e.printStackTrace(err);
    }
    err.flush();
    return mistake.isPresent() ? USAGE : command.getCommandSpec().exitCodeOnExecutionException();
  }

  /** The config or registration problem in {@code e}'s cause chain, if that is what went wrong. */
  private static Optional<RuntimeException> adminMistake(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConfigException || t instanceof RegistrationException) {
        return Optional.of((RuntimeException) t);
      }
    }
    return Optional.empty();
  }

  /** True when {@code --debug} was given, before the subcommand or after it. */
  private static boolean debug(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption(Main.DEBUG)) {
        return true;
      }
    }
    return false;
  }
}
