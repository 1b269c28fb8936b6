package dev.switchboard.core.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.charset.StandardCharsets;

/** A Matrix event id, {@code $opaque} (with {@code :server} in old room versions). */
public record EventId(String value) {
  /** Matrix caps every identifier at 255 bytes. */
  private static final int MAX_BYTES = 255;

  public EventId {
    if (value == null || value.length() < 2 || value.charAt(0) != '$') {
      throw new IllegalArgumentException("not a event id: '" + value + "' (expected '$...')");
    }
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new IllegalArgumentException("event id longer than 255 bytes");
    }
    
  }

  @JsonCreator
  public static EventId of(String value) {
    return new EventId(value);
  }

  @JsonValue
  @Override
  public String toString() {
    return value;
  }
}
