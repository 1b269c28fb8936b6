package dev.switchboard.testkit.homeserver.membership;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.appservice.AppServiceQueries;
import dev.switchboard.testkit.homeserver.state.Account;
import dev.switchboard.testkit.homeserver.state.Event;
import dev.switchboard.testkit.homeserver.state.PowerLevels;
import dev.switchboard.testkit.homeserver.state.Requester;
import dev.switchboard.testkit.homeserver.state.Room;
import dev.switchboard.testkit.homeserver.state.ServerState;

/** Joins, invites, leaves, kicks, bans and unbans, with the room's join rules and power levels applied. */
public final class MembershipService {
  private final ServerState state;
  private final AppServiceQueries queries;

  public MembershipService(ServerState state, AppServiceQueries queries) {
    this.state = state;
    this.queries = queries;
  }

  /** Joins a room by id or alias (an unknown alias in an AS namespace is first queried from the AS). */
  public String join(Requester requester, String roomIdOrAlias, Long ts) {
    String roomId = roomIdOrAlias;
    if (roomIdOrAlias.startsWith("#")) {
      roomId = queries.resolveAlias(roomIdOrAlias);
      if (roomId == null) {
        throw MatrixException.notFound("Room alias " + roomIdOrAlias + " not found");
      }
    } else if (!roomIdOrAlias.startsWith("!")) {
      throw new MatrixException(400, "M_UNKNOWN", roomIdOrAlias + " was not legal room ID or room alias");
    }
    String target = roomId;
    return state.locked(() -> {
      Room room = state.requireRoom(target);
      String user = requester.userId();
      String current = state.membership(room, user);
      if ("ban".equals(current)) {
        throw MatrixException.forbidden("You are banned from this room");
      }
      if ("join".equals(current)) {
        // Synapse answers a repeated join with the room id and sends no new event.
        return room.roomId();
      }
      String joinRule = state.stateContent(room, "m.room.join_rules", "") == null ? "invite"
          : state.stateContent(room, "m.room.join_rules", "").path("join_rule").asText("invite");
      if (!"public".equals(joinRule) && !"invite".equals(current)) {
        throw MatrixException.forbidden("You are not invited to this room.");
      }
      appendMember(room, user, user, "join", null, ts);
      return room.roomId();
    });
  }

  public void invite(Requester requester, String roomId, String target, String reason, boolean isDirect, Long ts) {
    requireUserId(target);
    if (!queries.userExists(target) && target.endsWith(":" + state.serverName())) {
      throw MatrixException.notFound("Unknown user " + target);
    }
    state.locked(() -> {
      Room room = state.requireRoom(roomId);
      requireJoined(room, requester.userId());
      String current = state.membership(room, target);
      if ("ban".equals(current)) {
        throw MatrixException.forbidden(target + " is banned from the room");
      }
      if ("join".equals(current)) {
        throw MatrixException.forbidden(target + " is already in the room.");
      }
      PowerLevels levels = PowerLevels.of(state, room);
      if (levels.user(requester.userId()) < levels.action("invite")) {
        throw MatrixException.forbidden("You don't have permission to invite users");
      }
      if ("invite".equals(current)) {
        return;
      }
      ObjectNode content = memberContent(target, "invite", reason);
      if (isDirect) {
        content.put("is_direct", true);
      }
      state.append(room, "m.room.member", requester.userId(), target, content, ts, null);
    });
  }

  public void leave(Requester requester, String roomId, String reason, Long ts) {
    state.locked(() -> {
      Room room = state.requireRoom(roomId);
      String current = state.membership(room, requester.userId());
      if (!"join".equals(current) && !"invite".equals(current)) {
        throw MatrixException.forbidden("User " + requester.userId() + " not in room " + roomId);
      }
      appendMember(room, requester.userId(), requester.userId(), "leave", reason, ts);
    });
  }

  public void kick(Requester requester, String roomId, String target, String reason, Long ts) {
    state.locked(() -> {
      Room room = state.requireRoom(roomId);
      requireJoined(room, requester.userId());
      String current = state.membership(room, target);
      if (!"join".equals(current) && !"invite".equals(current)) {
        throw MatrixException.forbidden("The target user is not in the room");
      }
      requireOutranks(room, requester.userId(), target, "kick");
      appendMember(room, requester.userId(), target, "leave", reason, ts);
    });
  }

  public void ban(Requester requester, String roomId, String target, String reason, Long ts) {
    requireUserId(target);
    state.locked(() -> {
      Room room = state.requireRoom(roomId);
      requireJoined(room, requester.userId());
      requireOutranks(room, requester.userId(), target, "ban");
      appendMember(room, requester.userId(), target, "ban", reason, ts);
    });
  }

  public void unban(Requester requester, String roomId, String target, String reason, Long ts) {
    state.locked(() -> {
      Room room = state.requireRoom(roomId);
      requireJoined(room, requester.userId());
      if (!"ban".equals(state.membership(room, target))) {
        throw MatrixException.forbidden(target + " is not banned");
      }
      PowerLevels levels = PowerLevels.of(state, room);
      if (levels.user(requester.userId()) < levels.action("ban")) {
        throw MatrixException.forbidden("You don't have permission to unban");
      }
      appendMember(room, requester.userId(), target, "leave", reason, ts);
    });
  }

  /** Appends a membership event with the target's profile (as Synapse fills it in for joins). */
  public Event appendMember(Room room, String sender, String target, String membership, String reason, Long ts) {
    return state.append(room, "m.room.member", sender, target, memberContent(target, membership, reason), ts, null);
  }

  private ObjectNode memberContent(String target, String membership, String reason) {
    ObjectNode content = JsonNodeFactory.instance.objectNode();
    content.put("membership", membership);
    Account account = state.account(target);
    if (account != null && ("join".equals(membership) || "invite".equals(membership))) {
      if (account.displayName() != null) {
        content.put("displayname", account.displayName());
      }
      if (account.avatarUrl() != null) {
        content.put("avatar_url", account.avatarUrl());
      }
    }
    if (reason != null) {
      content.put("reason", reason);
    }
    return content;
  }

  private void requireJoined(Room room, String userId) {
    if (!"join".equals(state.membership(room, userId))) {
      throw MatrixException.forbidden("User " + userId + " not in room " + room.roomId());
    }
  }

  // Kick and ban need the action's level and a level above the target's (spec: authorization rules).
  private void requireOutranks(Room room, String sender, String target, String action) {
    PowerLevels levels = PowerLevels.of(state, room);
    int mine = levels.user(sender);
    if (mine < levels.action(action)) {
      throw MatrixException.forbidden("You don't have permission to " + action + " users");
    }
    if (!sender.equals(target) && mine <= levels.user(target)) {
      throw MatrixException.forbidden("You cannot " + action + " user " + target + ".");
    }
  }

  private static void requireUserId(String userId) {
    if (userId == null || !userId.startsWith("@") || !userId.contains(":")) {
      throw MatrixException.invalidParam("Invalid user_id: " + userId);
    }
  }
}
