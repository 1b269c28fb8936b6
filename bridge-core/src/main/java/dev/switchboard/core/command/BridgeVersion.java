package dev.switchboard.core.command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version the build stamped into {@code switchboard/version.properties}. */
public final class BridgeVersion {
  private BridgeVersion() {}

  public static String current() {
    try (InputStream in = BridgeVersion.class.getResourceAsStream("/switchboard/version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
