package dev.switchboard.core.check;

import java.util.Optional;

/**
 * The outcome of one {@link SelfCheck}.
 *
 * @param detail what was found (the server's greeting, the error), never a secret
 * @param fix what to change when it failed: the config key or the homeserver setting
 */
public record CheckResult(boolean ok, String detail, Optional<String> fix) {

  public static CheckResult ok(String detail) {
    return new CheckResult(true, detail, Optional.empty());
  }

  public static CheckResult failed(String detail, String fix) {
    return new CheckResult(false, detail, Optional.of(fix));
  }
}
