package dev.switchboard.core.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.charset.StandardCharsets;

/** A Matrix room id, {@code !opaque:server} (room versions 12+ drop the server part). */
public record RoomId(String value) {
  /** Matrix caps every identifier at 255 bytes. */
  private static final int MAX_BYTES = 255;

  public RoomId {
    if (value == null || value.length() < 2 || value.charAt(0) != '!') {
      throw new IllegalArgumentException("not a room id: '" + value + "' (expected '!...')");
    }
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new IllegalArgumentException("room id longer than 255 bytes");
    }
    
  }

  @JsonCreator
  public static RoomId of(String value) {
    return new RoomId(value);
  }

  @JsonValue
  @Override
  public String toString() {
    return value;
  }
}
