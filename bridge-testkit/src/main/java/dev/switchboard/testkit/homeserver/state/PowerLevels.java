package dev.switchboard.testkit.homeserver.state;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads {@code m.room.power_levels} with the spec's defaults (room versions 1-10: without a power levels event the
 * creator has 100 and everything needs 0).
 */
public final class PowerLevels {
  private final JsonNode content;
  private final String creator;
  /** Room version 12+: the create event's sender and additional_creators, who outrank everyone. */
  private final java.util.Set<String> privileged;

  private PowerLevels(JsonNode content, String creator, java.util.Set<String> privileged) {
    this.content = content;
    this.creator = creator;
    this.privileged = privileged;
  }

  public static PowerLevels of(ServerState state, Room room) {
    java.util.Set<String> privileged = new java.util.HashSet<>();
    Event create = state.stateEvent(room, "m.room.create", "");
    if (create != null && privilegedCreators(create.content().path("room_version").asText("1"))) {
      privileged.add(create.sender());
      create.content().path("additional_creators").forEach(c -> privileged.add(c.asText()));
    }
    return new PowerLevels(state.stateContent(room, "m.room.power_levels", ""), room.creator(), privileged);
  }

  /** Room versions 12 and later (numbered) give their creators infinite power. */
  public static boolean privilegedCreators(String roomVersion) {
    try {
      return Integer.parseInt(roomVersion) >= 12;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  public int user(String userId) {
    if (privileged.contains(userId)) {
      return Integer.MAX_VALUE;
    }
    if (content == null) {
      return userId.equals(creator) ? 100 : 0;
    }
    JsonNode level = content.path("users").get(userId);
    return level != null ? level.asInt() : content.path("users_default").asInt(0);
  }

  /** Level needed to send an event of this type (state_default is 50 once a power levels event exists). */
  public int event(String type, boolean isState) {
    if (content == null) {
      return 0;
    }
    JsonNode level = content.path("events").get(type);
    if (level != null) {
      return level.asInt();
    }
    return isState ? content.path("state_default").asInt(50) : content.path("events_default").asInt(0);
  }

  /** Level for invite (default 0), kick, ban and redact (default 50). */
  public int action(String action) {
    if (content == null) {
      return 0;
    }
    return content.path(action).asInt("invite".equals(action) ? 0 : 50);
  }
}
