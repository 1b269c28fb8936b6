package dev.switchboard.app;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.registration.Registration;
import dev.switchboard.registration.RegistrationException;
import dev.switchboard.registration.RegistrationFile;
import dev.switchboard.registration.RegistrationValidator;
import java.io.IOException;
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

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(config)) {
      writeSampleConfig();
      return 0;
    }
    BridgeConfig cfg;
    Registration registration;
    try {
      cfg = new ConfigLoader(System.getenv()).load(config);
      Path regFile = cfg.appservice().registration();
      if (!Files.exists(regFile)) {
        registration = RegistrationWriter.write(cfg, regFile);
        System.out.println("Wrote the registration file " + regFile.toAbsolutePath() + ".");
        System.out.println("Add it to the homeserver config and restart the homeserver, e.g. for Synapse:");
        System.out.println("  app_service_config_files: [\"" + regFile.toAbsolutePath() + "\"]");
      } else {
        registration = RegistrationFile.read(regFile);
        RegistrationValidator.validate(registration, cfg.homeserver().domain());
      }
    } catch (ConfigException | RegistrationException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
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

  private void writeSampleConfig() throws IOException {
    Path parent = config.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Files.writeString(config, ConfigLoader.sampleConfig());
    System.out.println("Wrote a sample config to " + config.toAbsolutePath() + ".");
    System.out.println("Edit homeserver.url, homeserver.domain and appservice.url (and enable connectors),");
    System.out.println("then run the same command again; it will write the registration file for the homeserver.");
    log.debug("sample config written");
  }
}
