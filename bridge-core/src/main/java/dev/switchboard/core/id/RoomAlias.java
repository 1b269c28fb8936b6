package dev.switchboard.core.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.charset.StandardCharsets;

/** A Matrix room alias, {@code #localpart:server}. */
public record RoomAlias(String value) {
  /** Matrix caps every identifier at 255 bytes. */
  private static final int MAX_BYTES = 255;

  public RoomAlias {
    if (value == null || value.length() < 2 || value.charAt(0) != '#') {
      throw new IllegalArgumentException("not a room alias: '" + value + "' (expected '#...')");
    }
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new IllegalArgumentException("room alias longer than 255 bytes");
    }
    int colon = value.indexOf(':');
    if (colon < 2 || colon == value.length() - 1) {
      throw new IllegalArgumentException("not a room alias: '" + value + "' (expected #localpart:server)");
    }
  }

  @JsonCreator
  public static RoomAlias of(String value) {
    return new RoomAlias(value);
  }

  /** The part between the sigil and the first colon. */
  public String localpart() {
    return value.substring(1, value.indexOf(':'));
  }

  /** The server name after the first colon. */
  public String server() {
    return value.substring(value.indexOf(':') + 1);
  }

  @JsonValue
  @Override
  public String toString() {
    return value;
  }
}
