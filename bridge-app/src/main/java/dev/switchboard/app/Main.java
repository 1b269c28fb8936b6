package dev.switchboard.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code switchboard.jar} entry point. */
@Command(
    name = "switchboard",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Matrix application-service bridge to IRC, XMPP and SIP.",
    subcommands = {RunCommand.class, RegistrationCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the CLI and returns the exit code (for tests). */
  public static int execute(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"switchboard " + (v == null ? "development build" : v)};
    }
  }
}
