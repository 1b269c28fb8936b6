package dev.switchboard.app;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.store.Database;
import dev.switchboard.registration.Registration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires core and the enabled connectors together; reads top to bottom. */
final class Bridge implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Bridge.class);

  private final Database database;

  private Bridge(Database database) {
    this.database = database;
  }

  static Bridge start(BridgeConfig cfg, Registration registration) {
    Database database = Database.open(cfg.database().url(), cfg.database().user(), cfg.database().password(),
        List.of());
    log.info("Switchboard started as {} for {}", registration.id(), cfg.homeserver().domain());
    return new Bridge(database);
  }

  @Override
  public void close() {
    database.close();
  }
}
