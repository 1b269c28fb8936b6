package dev.switchboard.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code switchboard.jar} entry point. */
@Command(
    name = "switchboard",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Matrix application-service bridge to IRC, XMPP and SIP.",
    subcommands = {RunCommand.class, RegistrationCommand.class, CheckCommand.class})
public final class Main implements Runnable {
  /** Shows the stack trace of a config or usage error too; every subcommand takes it. */
  static final String DEBUG = "--debug";

  @Option(names = DEBUG, scope = ScopeType.INHERIT,
      description = "On a config or usage error, print the Java stack trace after the one-line message.")
  boolean debug;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the CLI and returns the exit code (for tests). */
  public static int execute(String... args) {
    return new CommandLine(new Main()).setExecutionExceptionHandler(new CliErrors()).execute(args);
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  /** The version the build stamped into core's {@code version.properties}, and the Java running it. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"switchboard " + dev.switchboard.core.command.BridgeVersion.current(),
          "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }
  }
}
