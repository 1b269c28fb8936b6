package dev.switchboard.core.store;

import java.util.Objects;

/**
 * A password or key held in memory (NickServ or SASL password, SIP password, client key). Its {@code toString}
 * never shows the value, so a secret logged by accident, or inside a record, stays hidden.
 */
public record Secret(String value) {
  public Secret {
    Objects.requireNonNull(value, "secret value");
  }

  @Override
  public String toString() {
    return "Secret[***]";
  }
}
