package dev.switchboard.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Decides what a test does when a real server it needs (PostgreSQL, ngircd, Prosody, SIPp) is not installed: skip
 * locally, fail under CI.
 */
public final class RealServers {
  /** Set by {@code .ci/run}, GitHub Actions and most CI systems. */
  static final String CI_ENV = "CI";

  /** Set by the Maven build (false by default) to force failures outside CI too. */
  public static final String REQUIRE_PROPERTY = "switchboard.requireServers";

  private RealServers() {}

  /**
   * Returns when {@code available}; otherwise skips the current test with a message naming {@code what} and how to
   * install it, or fails it when servers are required (env {@code CI=true} or {@code -Dswitchboard.requireServers=true}),
   * because in CI a silently skipped integration test would hide a broken setup.
   */
  public static void require(String what, boolean available, String howToInstall) {
    if (available) {
      return;
    }
    String message = what + " is not installed, so this test cannot run; install it with: " + howToInstall;
    if (required()) {
      Assertions.fail(message + " (servers are required here: CI=true or -D" + REQUIRE_PROPERTY + "=true)");
    }
    Assumptions.abort(message);
  }

  /** True when a missing server must fail the build rather than skip. */
  public static boolean required() {
    return "true".equalsIgnoreCase(System.getenv(CI_ENV)) || Boolean.getBoolean(REQUIRE_PROPERTY);
  }
}
