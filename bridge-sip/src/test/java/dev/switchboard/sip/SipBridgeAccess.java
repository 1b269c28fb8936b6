package dev.switchboard.sip;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.nio.file.Path;

/** Lets tests in sub-packages start the SIP bridge harness. */
public final class SipBridgeAccess implements AutoCloseable {
  private final SipBridge bridge;

  private SipBridgeAccess(SipBridge bridge) {
    this.bridge = bridge;
  }

  public static SipBridgeAccess start(TestHomeserver hs, ObjectNode sipSection, Path dir) throws Exception {
    return new SipBridgeAccess(new SipBridge(hs, sipSection, dir));
  }

  @Override
  public void close() {
    bridge.close();
  }
}
