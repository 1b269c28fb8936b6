package dev.switchboard.core.portal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.command.RoomCreators;
import dev.switchboard.core.failure.Failures;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.homeserver.IntentWrites;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code m.bridge} state of a bridged room (MSC2346), also sent as {@code uk.half-shot.bridge}, the unstable
 * name clients such as Element still read. It tells clients which protocol, network and channel (or remote person,
 * in a DM) the room is bridged to. Every connector builds it here, so all rooms carry the same shape.
 *
 * @param stateKey one per bridged remote, so a room linked to several carries one event for each
 */
public record BridgeInfo(UserId bot, Named protocol, Named network, Named channel, String stateKey) {
  private static final Logger log = LoggerFactory.getLogger(BridgeInfo.class);
  public static final List<String> TYPES = List.of("m.bridge", "uk.half-shot.bridge");

  /** An {@code id} (stable, machine-readable) with the {@code displayname} clients show. */
  public record Named(String id, String displayname) {}

  public ObjectNode content() {
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    c.put("bridgebot", bot.value());
    c.put("creator", bot.value());
    c.set("protocol", named(protocol));
    c.set("network", named(network));
    c.set("channel", named(channel));
    return c;
  }

  /**
   * Whether {@code user} may send {@code m.bridge} under a room's {@code m.room.power_levels} content: their level
   * ({@code users}, else {@code users_default}) reaches {@code events["m.bridge"]}, else {@code state_default}.
   * Room version 12 creators, who are above every level, are not seen here.
   */
  public static boolean maySend(JsonNode powerLevels, UserId user) {
    JsonNode users = powerLevels.path("users");
    JsonNode events = powerLevels.path("events");
    long userLevel = users.has(user.value()) ? users.path(user.value()).asLong()
        : powerLevels.path("users_default").asLong(0);
    long needed = events.has(TYPES.get(0)) ? events.path(TYPES.get(0)).asLong()
        : powerLevels.path("state_default").asLong(50);
    return userLevel >= needed;
  }

  /** Adds both state events to a {@code createRoom} request, so the room has them from its first event. */
  public ObjectNode addTo(ObjectNode createRoomRequest) {
    ArrayNode initial = createRoomRequest.has("initial_state") ? (ArrayNode) createRoomRequest.get("initial_state")
        : createRoomRequest.putArray("initial_state");
    for (String type : TYPES) {
      initial.addObject().put("type", type).put("state_key", stateKey).set("content", content());
    }
    return createRoomRequest;
  }

  /**
   * Writes both state events as {@code writer} into an existing room. Setting state needs power in the room (the
   * bot in a room someone else owns, a ghost in a user's DM may have none): a refusal is logged and the room stays
   * bridged, so the future always completes normally.
   */
  public CompletableFuture<Void> write(IntentWrites writer, RoomId room) {
    return send(writer, room, false);
  }

  /**
   * {@link #write}, only where the room's power levels (or, from room version 12, being one of its creators) let
   * {@code writer} send it: read first, so a room that does not (a user's DM that gave a ghost no power) costs one
   * read, not a refused write, a rejoin and a log line.
   */
  public CompletableFuture<Void> writeIfPermitted(Intent writer, RoomId room) {
    return writer.getState(room, "m.room.power_levels", "")
        .handle((levels, err) -> err == null && levels != null && maySend(levels, writer.userId()))
        .thenCompose(may -> may ? CompletableFuture.completedFuture(true)
            : RoomCreators.isPrivilegedCreator(writer, room, writer.userId()).exceptionally(err -> false))
        .thenCompose(may -> {
          if (!may) {
            log.debug("{} may not set the bridge state {} in {}", writer.userId(), stateKey, room);
            return CompletableFuture.completedFuture(null);
          }
          return write(writer, room);
        });
  }

  /** Empties both state events (MSC2346: an unbridged room keeps the events, with empty content). */
  public CompletableFuture<Void> clear(IntentWrites writer, RoomId room) {
    return send(writer, room, true);
  }

  private CompletableFuture<Void> send(IntentWrites writer, RoomId room, boolean clear) {
    ObjectNode content = clear ? JsonNodeFactory.instance.objectNode() : content();
    CompletableFuture<?> all = CompletableFuture.completedFuture(null);
    for (String type : TYPES) {
      all = all.thenCompose(v -> writer.sendState(room, type, stateKey, content));
    }
    // The first refusal stops the rest: the second type would be refused for the same reason, and logged twice.
    return all.handle((v, err) -> {
      if (err != null) {
        log.info("Could not {} the bridge state {} in {}: {}", clear ? "clear" : "set", stateKey, room,
            Failures.rootMessage(err));
      }
      return null;
    });
  }

  private static ObjectNode named(Named n) {
    return JsonNodeFactory.instance.objectNode().put("id", n.id()).put("displayname", n.displayname());
  }
}
