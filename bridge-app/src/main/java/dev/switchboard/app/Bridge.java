package dev.switchboard.app;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.homeserver.RetryPolicy;
import dev.switchboard.core.media.MediaKeys;
import dev.switchboard.core.runtime.BridgeRuntime;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.registration.Registration;
import java.util.List;
import java.util.Optional;

/** The bridge the jar runs: the config's connectors on core's runtime. */
final class Bridge implements AutoCloseable {
  private final BridgeRuntime runtime;

  private Bridge(BridgeRuntime runtime) {
    this.runtime = runtime;
  }

  /** Starts everything; on failure stops what had started and rethrows. */
  static Bridge start(BridgeConfig cfg, Registration registration, ConnectorFactory factory) throws Exception {
    List<Connector> enabled = factory.enabledConnectors(cfg);
    List<String> schemas = enabled.stream().map(Connector::protocol).filter(factory::hasSchema).toList();
    SecretBox secrets = secrets(cfg.database());
    Database database = Database.open(cfg.database().url(), cfg.database().user(), cfg.database().password(),
        schemas);
    BridgeConfig.AppService as = cfg.appservice();
    BridgeRuntime.Settings settings = new BridgeRuntime.Settings(cfg.homeserver().domain(), cfg.homeserver().url(),
        registration.id(), registration.asToken(), registration.hsToken(), registration.senderLocalpart(),
        registration.namespaces(), as.bind(), as.port(), as.maxBodyBytes(), Optional.of(as.url()),
        as.txnRetention(), as.eventRetention(), RetryPolicy.FOREVER, cfg.permissions(), cfg.metrics(),
        as.limits(), cfg.media(), cfg.media().enabled() ? MediaKeys.loadOrCreate(cfg.mediaKeyFile()) : null);
    return new Bridge(BridgeRuntime.start(settings, database, secrets, enabled, cfg.provisioning()));
  }

  private static SecretBox secrets(BridgeConfig.DatabaseConfig db) {
    if (db.secretKey().isEmpty()) {
      return SecretBox.loadOrCreate(db.secretKeyFile());
    }
    try {
      return SecretBox.fromBase64(db.secretKey());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("database.secret_key (or SWITCHBOARD_DATABASE_SECRET_KEY): " + e.getMessage(), e);
    }
  }

  /** The port the AS API listens on. */
  int port() {
    return runtime.port();
  }

  /** Every meter of the bridge, for tests. */
  io.micrometer.core.instrument.MeterRegistry metrics() {
    return runtime.metrics();
  }

  /** Every admin command of the bridge, for tests. */
  dev.switchboard.core.command.CommandRegistry commands() {
    return runtime.commands();
  }

  /** The port of the media endpoint, or -1 when it is disabled. */
  int mediaPort() {
    return runtime.mediaPort();
  }

  /** The links the connectors hand out, for tests. */
  dev.switchboard.core.media.MediaLinks mediaLinks() {
    return runtime.mediaLinks();
  }

  /** The port of the metrics and health listener, or -1 when it is disabled. */
  int metricsPort() {
    return runtime.metricsPort();
  }

  /** The port of the provisioning API, or -1 when it is disabled. */
  int provisioningPort() {
    return runtime.provisioningPort();
  }

  @Override
  public void close() {
    runtime.close();
  }
}
