package dev.switchboard.app;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.registration.Registration;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code registration --config FILE --output FILE}: writes (or refreshes) the AS registration file. */
@Command(name = "registration", mixinStandardHelpOptions = true,
    description = "Write the application-service registration file for the homeserver. "
        + "Existing tokens are kept; namespaces are refreshed from the config.")
final class RegistrationCommand implements Callable<Integer> {

  @Option(names = "--config", required = true, description = "Path of the bridge config (YAML).")
  Path config;

  @Option(names = "--output", description = "Where to write the registration (default: appservice.registration).")
  Path output;

  @Override
  public Integer call() {
    // A bad config or an unwritable output is a ConfigException or RegistrationException: one line, exit 2
    // (CliErrors).
    BridgeConfig cfg = new ConfigLoader(System.getenv()).load(config);
    Path target = output != null ? output : cfg.appservice().registration();
    Registration written = RegistrationWriter.write(cfg, target);
    System.out.println("Wrote " + target.toAbsolutePath() + " (id " + written.id() + ", namespaces for "
        + String.join(", ", written.protocols().isEmpty() ? java.util.List.of("no connectors")
            : written.protocols()) + ").");
    return 0;
  }
}
