package dev.switchboard.core.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.homeserver.IntentReads;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.concurrent.CompletableFuture;

/**
 * Room version 12's privileged creators: the {@code m.room.create} event's sender and the users in its {@code
 * additional_creators} have infinite power and are absent from {@code m.room.power_levels} (spec, room version 12,
 * "Privileged room creators"). A check that reads only the power levels would refuse them; every room-moderator check
 * asks this first when the power levels say no.
 */
public final class RoomCreators {
  private RoomCreators() {}

  /**
   * Whether {@code user} is a privileged creator of {@code room}, read as {@code reader} (the bot, which must be in the
   * room). False for rooms of versions before 12, where creators have only what the power levels give them.
   */
  public static CompletableFuture<Boolean> isPrivilegedCreator(IntentReads reader, RoomId room, UserId user) {
    return reader.getState(room, "m.room.create", "").thenCompose(create -> {
      if (create == null || !privilegedCreators(create.path("room_version").asText("1"))) {
        return CompletableFuture.completedFuture(false);
      }
      for (JsonNode additional : create.path("additional_creators")) {
        if (user.value().equals(additional.asText())) {
          return CompletableFuture.completedFuture(true);
        }
      }
      // The sender is not in the content; the create event's id is the room id's hash with '$' (room version 12).
      if (room.value().indexOf(':') >= 0) {
        return CompletableFuture.completedFuture(false);
      }
      return reader.getEvent(room, EventId.of("$" + room.value().substring(1)))
          .thenApply(event -> user.value().equals(event.path("sender").asText()));
    });
  }

  /** Room versions whose creators are privileged: 12 and later (numbered versions). */
  static boolean privilegedCreators(String roomVersion) {
    try {
      return Integer.parseInt(roomVersion) >= 12;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
