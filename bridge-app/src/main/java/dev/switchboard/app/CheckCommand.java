package dev.switchboard.app;

import dev.switchboard.app.check.ConnectorChecks;
import dev.switchboard.app.check.HomeserverChecks;
import dev.switchboard.app.check.MediaChecks;
import dev.switchboard.app.check.StoreChecks;
import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.check.SelfCheck;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.registration.Namespaces;
import dev.switchboard.registration.Registration;
import dev.switchboard.registration.RegistrationException;
import dev.switchboard.registration.RegistrationFile;
import dev.switchboard.registration.RegistrationValidator;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code check --config FILE}: validates the config, the registration file and the database, pings the homeserver,
 * opens a media link from outside and visits each enabled network once, printing one line per check (with the fix when it failed). Exit code 0 when
 * all passed, 1 when one failed, 2 when the config cannot be read at all.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Check the config, registration, database, homeserver and every enabled network once.")
final class CheckCommand implements Callable<Integer> {

  @Option(names = "--config", defaultValue = "config.yaml", description = "Path of the bridge config (YAML).")
  Path config;

  @Option(names = "--timeout", defaultValue = "20", description = "Seconds each network check may take.")
  int timeoutSeconds;

  private final PrintStream out = System.out;
  private int failures;

  @Override
  public Integer call() throws InterruptedException {
    Duration timeout = Duration.ofSeconds(Math.max(1, timeoutSeconds));
    BridgeConfig cfg;
    try {
      cfg = new ConfigLoader(System.getenv()).load(config);
    } catch (ConfigException e) {
      report("config " + config, CheckResult.failed(e.getMessage(), "edit the key named above (docs/configuration.md)"));
      return 2;
    }
    report("config " + config, CheckResult.ok("valid; connectors enabled: " + enabled(cfg)
        + (cfg.permissions().anyAdmin() ? "" : "; note: nobody is admin yet (add \"@you:"
            + cfg.homeserver().domain() + "\": admin under permissions)")
        + (cfg.provisioning().enabled() ? "; provisioning API on port " + cfg.provisioning().port() : "")));
    Registration registration = registration(cfg);
    StoreChecks store = new StoreChecks(cfg);
    report("database", store.database());
    report("secret key", store.secretKey());
    if (registration != null) {
      HomeserverChecks hs = new HomeserverChecks(cfg, registration);
      CheckResult reachable = hs.versions(timeout);
      report("homeserver " + cfg.homeserver().url(), reachable);
      if (reachable.ok()) {
        CheckResult token = hs.asToken(timeout);
        report("as_token", token);
        if (token.ok()) {
          report("appservice ping (hs_token, appservice.url)", hs.ping(timeout.plusSeconds(40)));
        }
      }
    }
    MediaChecks media = new MediaChecks(cfg, Optional.ofNullable(registration).map(Registration::asToken));
    report("media endpoint" + cfg.media().publicUrl().map(u -> " " + u).orElse(""), media.probe(timeout));
    for (SelfCheck check : new ConnectorChecks(cfg).selfChecks()) {
      CheckResult result;
      try {
        result = check.run(timeout);
      } catch (RuntimeException e) {
        result = CheckResult.failed("the check itself failed: " + e, "please report this");
      }
      report(check.name(), result);
    }
    out.println(failures == 0 ? "All checks passed." : failures + " check(s) failed.");
    return failures == 0 ? 0 : 1;
  }

  private static String enabled(BridgeConfig cfg) {
    List<String> on = new ArrayList<>();
    for (String p : ConfigLoader.CONNECTOR_SECTIONS) {
      if (cfg.connectorEnabled(p)) {
        on.add(p);
      }
    }
    return on.isEmpty() ? "none" : String.join(", ", on);
  }

  /** Reads and validates the registration, and compares it with what the config asks for. Null when unusable. */
  private Registration registration(BridgeConfig cfg) {
    Path file = cfg.appservice().registration();
    String name = "registration " + file;
    if (!Files.exists(file)) {
      report(name, CheckResult.failed("missing", "run `switchboard registration --config " + config
          + "` (or start the bridge once), add the file to the homeserver and restart it"));
      return null;
    }
    Registration reg;
    try {
      reg = RegistrationFile.read(file);
      RegistrationValidator.validate(reg, cfg.homeserver().domain());
    } catch (RegistrationException e) {
      report(name, CheckResult.failed(e.getMessage(), "regenerate it with `switchboard registration --config "
          + config + "`, copy it to the homeserver and restart it"));
      return null;
    }
    List<String> protocols = new ArrayList<>();
    Namespaces expected = RegistrationWriter.namespaces(cfg, protocols);
    List<String> stale = new ArrayList<>();
    if (!cfg.appservice().url().toString().equals(reg.url())) {
      stale.add("url is " + reg.url() + ", config says " + cfg.appservice().url());
    }
    if (!cfg.appservice().botLocalpart().equals(reg.senderLocalpart())) {
      stale.add("sender_localpart is " + reg.senderLocalpart() + ", config says " + cfg.appservice().botLocalpart());
    }
    if (!cfg.appservice().id().equals(reg.id())) {
      stale.add("id is " + reg.id() + ", config says " + cfg.appservice().id());
    }
    if (!expected.equals(reg.namespaces())) {
      stale.add("namespaces differ from the enabled connectors' (" + String.join(", ", protocols) + ")");
    }
    if (!stale.isEmpty()) {
      report(name, CheckResult.failed("out of date: " + String.join("; ", stale), "run `switchboard registration "
          + "--config " + config + "` (tokens are kept), copy the file to the homeserver and restart it"));
      return reg;
    }
    report(name, CheckResult.ok("valid and matches the config"));
    return reg;
  }

  private void report(String name, CheckResult result) {
    if (result.ok()) {
      out.println("[ OK ] " + name + ": " + result.detail());
    } else {
      failures++;
      out.println("[FAIL] " + name + ": " + result.detail());
      result.fix().ifPresent(fix -> out.println("       fix: " + fix));
    }
  }
}
