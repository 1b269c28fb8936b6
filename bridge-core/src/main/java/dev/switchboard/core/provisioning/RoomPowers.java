package dev.switchboard.core.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.command.RoomCreators;
import dev.switchboard.core.failure.Failures;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.homeserver.MatrixException;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.BridgeInfo;
import java.util.concurrent.CompletableFuture;

/**
 * What a user may do in a room, read through the bot from the room's state: whether they are joined, and whether
 * they are a moderator, i.e. may send the {@code m.bridge} state event that a link puts into the room (their power
 * level reaches {@code events["m.bridge"]}, else {@code state_default}). Plumbing changes what a room is, so only
 * those who may change its state may do it.
 */
final class RoomPowers {
  private final Intents intents;

  RoomPowers(Intents intents) {
    this.intents = intents;
  }

  /**
   * Completes when {@code user} may change the room's state, else fails with 403. In room version 12 the creators
   * are not in the power levels and outrank everyone ({@link RoomCreators}).
   */
  CompletableFuture<Void> requireModerator(RoomId room, UserId user) {
    return state(room, "m.room.power_levels", "").thenCompose(levels -> {
      if (levels == null) {
        // No power levels: only the creator may do anything (spec, room versions 1-10: the creator has 100).
        return state(room, "m.room.create", "").thenCompose(create -> {
          if (create != null && (user.value().equals(create.path("creator").asText())
              || contains(create.path("additional_creators"), user))) {
            return CompletableFuture.completedFuture(null);
          }
          return creatorOrRefuse(room, user);
        });
      }
      if (!BridgeInfo.maySend(levels, user)) {
        return creatorOrRefuse(room, user);
      }
      return CompletableFuture.completedFuture(null);
    });
  }

  private CompletableFuture<Void> creatorOrRefuse(RoomId room, UserId user) {
    return RoomCreators.isPrivilegedCreator(intents.bot(), room, user).handle((creator, error) -> {
      if (error != null || !creator) {
        throw notModerator(room, user);
      }
      return null;
    });
  }

  /** Completes when {@code user} is joined to the room, else fails with 403. */
  CompletableFuture<Void> requireMember(RoomId room, UserId user) {
    return state(room, "m.room.member", user.value()).thenApply(member -> {
      if (member == null || !"join".equals(member.path("membership").asText())) {
        throw ProvisioningException.forbidden(user + " is not in " + room);
      }
      return null;
    });
  }

  private static boolean contains(JsonNode array, UserId user) {
    for (JsonNode n : array) {
      if (user.value().equals(n.asText())) {
        return true;
      }
    }
    return false;
  }

  private static ProvisioningException notModerator(RoomId room, UserId user) {
    return ProvisioningException.forbidden(user + " may not change the state of " + room
        + " (needs the power level of the room's moderators)");
  }

  /** The content of a state event, null when the room has none; fails with 403 when the bot cannot see the room. */
  private CompletableFuture<JsonNode> state(RoomId room, String type, String key) {
    return intents.bot().getState(room, type, key).handle((content, error) -> {
      if (error == null) {
        return content;
      }
      Throwable cause = Failures.rootCause(error);
      if (cause instanceof MatrixException m && m.is("M_NOT_FOUND") && !type.equals("m.room.create")) {
        return null;
      }
      if (cause instanceof MatrixException m && (m.is("M_FORBIDDEN") || m.is("M_NOT_FOUND"))) {
        throw new ProvisioningException(403, ProvisioningException.BOT_NOT_IN_ROOM, "The bridge bot "
            + intents.bot().userId() + " is not in " + room + ": invite it first");
      }
      throw new ProvisioningException(502, "M_UNKNOWN", "Cannot read the room's state from the homeserver: "
          + Failures.rootMessage(error));
    });
  }
}
