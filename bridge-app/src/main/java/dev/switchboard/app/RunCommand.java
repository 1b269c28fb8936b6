package dev.switchboard.app;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.store.PrivateFiles;
import dev.switchboard.registration.FileProblem;
import dev.switchboard.registration.Registration;
import dev.switchboard.registration.RegistrationFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run --config FILE}: first start writes config and registration; then the bridge serves. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the bridge.")
final class RunCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

  @Option(names = "--config", defaultValue = "config.yaml", description = "Path of the bridge config (YAML).")
  Path config;

  @Option(names = "--log-format", description = "text (default) or json: one JSON object per line. Overrides "
      + "logging.format.")
  String logFormat;

  @Override
  public Integer call() throws Exception {
    boolean firstStart = !Files.exists(config);
    if (firstStart) {
      writeSampleConfig();
    }
    if (logFormat != null && !logFormat.equals("text") && !logFormat.equals("json")) {
      System.err.println("error: --log-format must be text or json, got '" + logFormat + "'");
      return 2;
    }
    // A ConfigException or RegistrationException, here or from a connector parsing its section in Bridge.start,
    // becomes one line and exit 2 in CliErrors.
    BridgeConfig cfg = new ConfigLoader(System.getenv()).load(config);
    LogSetup.apply(cfg.logging(), logFormat == null ? cfg.logging().json() : logFormat.equals("json"));
    Registration registration = refreshRegistration(cfg);
    if (firstStart) {
      System.out.println("Edit " + config.toAbsolutePath() + " (homeserver.url, homeserver.domain, appservice.url,");
      System.out.println("connectors), then run the same command again to start the bridge.");
      return 0;
    }
    Bridge bridge = Bridge.start(cfg, registration, new ConnectorFactory());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      bridge.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }

  /**
   * Writes the registration if missing, else refreshes url and namespaces from the config (tokens kept) and says
   * so when the homeserver must reload it.
   */
  private static Registration refreshRegistration(BridgeConfig cfg) {
    Path regFile = cfg.appservice().registration();
    boolean existed = Files.exists(regFile);
    Registration before = existed ? RegistrationFile.read(regFile) : null;
    Registration now = RegistrationWriter.write(cfg, regFile);
    if (!existed) {
      System.out.println("Wrote the registration file " + regFile.toAbsolutePath() + ".");
      System.out.println("Add it to the homeserver config and restart the homeserver, e.g. for Synapse:");
      System.out.println("  app_service_config_files: [\"" + regFile.toAbsolutePath() + "\"]");
    } else if (!now.equals(before)) {
      log.warn("Updated {} from the config (url, bot or namespaces changed; tokens kept): restart the homeserver "
          + "so it reads the new registration", regFile.toAbsolutePath());
    }
    return now;
  }

  private void writeSampleConfig() {
    try {
      Files.createDirectories(config.toAbsolutePath().getParent());
      // The admin puts the shared secret, database and trunk passwords here: owner-only from the start.
      PrivateFiles.writeString(config, ConfigLoader.sampleConfig());
    } catch (IOException e) {
      throw new ConfigException("cannot write the sample config to " + config + ": " + FileProblem.describe(e), e);
    } catch (UncheckedIOException e) {
      throw new ConfigException("cannot write the sample config to " + config + ": "
          + FileProblem.describe(e.getCause()), e);
    }
    System.out.println("Wrote a commented sample config to " + config.toAbsolutePath() + ".");
  }
}
