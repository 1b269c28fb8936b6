package dev.switchboard.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.nio.file.Path;

/** Lets tests in sub-packages start a {@link BridgeHarness}. */
public final class BridgeHarnessAccess {
  private BridgeHarnessAccess() {}

  public static AutoCloseable start(TestHomeserver hs, Connector connector, JsonNode section, Path dir)
      throws InterruptedException {
    return new BridgeHarness(hs, connector, section, dir);
  }
}
