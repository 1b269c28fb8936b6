package dev.switchboard.testkit.homeserver.rooms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.appservice.AppServiceQueries;
import dev.switchboard.testkit.homeserver.membership.MembershipService;
import dev.switchboard.testkit.homeserver.state.Event;
import dev.switchboard.testkit.homeserver.state.PowerLevels;
import dev.switchboard.testkit.homeserver.state.Requester;
import dev.switchboard.testkit.homeserver.state.Room;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.util.ArrayList;
import java.util.List;

/** Creating rooms and sending message, state, redaction and ephemeral events, with Synapse's checks. */
public final class RoomService {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final ServerState state;
  private final MembershipService membership;
  private final AppServiceQueries queries;

  public RoomService(ServerState state, MembershipService membership, AppServiceQueries queries) {
    this.state = state;
    this.membership = membership;
    this.queries = queries;
  }

  /** POST /createRoom, applying the request in the order the spec lists (create, member, power levels, ...). */
  public ObjectNode createRoom(Requester requester, ObjectNode body) {
    String creator = requester.userId();
    String preset = body.path("preset").asText(
        "public".equals(body.path("visibility").asText()) ? "public_chat" : "private_chat");
    if (!List.of("public_chat", "private_chat", "trusted_private_chat").contains(preset)) {
      throw MatrixException.invalidParam("Unknown preset " + preset);
    }
    List<String> invites = new ArrayList<>();
    body.path("invite").forEach(i -> invites.add(i.asText()));
    for (String invitee : invites) {
      // Ask the AS about unknown ghosts before taking the lock.
      queries.userExists(invitee);
    }
    String aliasName = body.path("room_alias_name").asText(null);
    String alias = aliasName == null ? null : "#" + aliasName + ":" + state.serverName();
    Long ts = null;
    ObjectNode response = NODES.objectNode();
    state.locked(() -> {
      if (alias != null) {
        checkAliasAvailable(requester, alias);
      }
      // Room version 12 (asked for with "room_version"): the room id is the create event's hash, the create event
      // has no "creator" (its sender is), and the creators are privileged: not in the power levels.
      boolean privilegedCreators = PowerLevels.privilegedCreators(body.path("room_version").asText("10"));
      Room room = privilegedCreators ? state.newHashedRoom(creator) : state.newRoom(creator);
      ObjectNode create = NODES.objectNode();
      if (privilegedCreators) {
        create.put("room_version", body.path("room_version").asText());
      } else {
        create.put("creator", creator);
        create.put("room_version", "10");
      }
      if (body.path("creation_content").isObject()) {
        create.setAll((ObjectNode) body.get("creation_content"));
      }
      if (privilegedCreators && "trusted_private_chat".equals(preset) && !invites.isEmpty()) {
        // Spec (createRoom): the invitees of trusted_private_chat become additional creators in version 12.
        com.fasterxml.jackson.databind.node.ArrayNode extra = create.withArray("additional_creators");
        java.util.Set<String> have = new java.util.HashSet<>();
        extra.forEach(e -> have.add(e.asText()));
        invites.stream().filter(have::add).forEach(extra::add);
      }
      if (privilegedCreators) {
        state.appendCreate(room, creator, create, ts);
      } else {
        state.append(room, "m.room.create", creator, "", create, ts, null);
      }
      membership.appendMember(room, creator, creator, "join", null, ts);
      ObjectNode levels = powerLevels(creator, preset, invites, body);
      if (privilegedCreators) {
        ObjectNode users = (ObjectNode) levels.get("users");
        users.remove(creator);
        create.path("additional_creators").forEach(c -> users.remove(c.asText()));
      }
      state.append(room, "m.room.power_levels", creator, "", levels, ts, null);
      if (alias != null) {
        state.putAlias(alias, room.roomId(), creator);
        state.append(room, "m.room.canonical_alias", creator, "", NODES.objectNode().put("alias", alias), ts, null);
      }
      state.append(room, "m.room.join_rules", creator, "",
          NODES.objectNode().put("join_rule", "public_chat".equals(preset) ? "public" : "invite"), ts, null);
      state.append(room, "m.room.history_visibility", creator, "",
          NODES.objectNode().put("history_visibility", "shared"), ts, null);
      if (!"public_chat".equals(preset)) {
        state.append(room, "m.room.guest_access", creator, "", NODES.objectNode().put("guest_access", "can_join"),
            ts, null);
      }
      for (JsonNode initial : body.path("initial_state")) {
        state.append(room, initial.path("type").asText(), creator, initial.path("state_key").asText(""),
            objectOrEmpty(initial.get("content")), ts, null);
      }
      if (body.hasNonNull("name")) {
        state.append(room, "m.room.name", creator, "", NODES.objectNode().put("name", body.get("name").asText()), ts,
            null);
      }
      if (body.hasNonNull("topic")) {
        state.append(room, "m.room.topic", creator, "", NODES.objectNode().put("topic", body.get("topic").asText()),
            ts, null);
      }
      if ("public".equals(body.path("visibility").asText())) {
        state.setPublished(room.roomId(), true); // spec: visibility public lists the room in the directory
      }
      response.put("room_id", room.roomId());
      if (alias != null) {
        response.put("room_alias", alias);
      }
    });
    String roomId = response.get("room_id").asText();
    for (String invitee : invites) {
      membership.invite(requester, roomId, invitee, null, body.path("is_direct").asBoolean(false), null);
    }
    return response;
  }

  private ObjectNode powerLevels(String creator, String preset, List<String> invites, ObjectNode body) {
    // Synapse's defaults for a new room; private presets let anyone invite.
    ObjectNode pl = NODES.objectNode();
    ObjectNode users = pl.putObject("users");
    users.put(creator, 100);
    if ("trusted_private_chat".equals(preset)) {
      invites.forEach(i -> users.put(i, 100));
    }
    pl.put("users_default", 0);
    ObjectNode events = pl.putObject("events");
    events.put("m.room.name", 50);
    events.put("m.room.power_levels", 100);
    events.put("m.room.history_visibility", 100);
    events.put("m.room.canonical_alias", 50);
    events.put("m.room.avatar", 50);
    events.put("m.room.tombstone", 100);
    events.put("m.room.server_acl", 100);
    events.put("m.room.encryption", 100);
    pl.put("events_default", 0);
    pl.put("state_default", 50);
    pl.put("ban", 50);
    pl.put("kick", 50);
    pl.put("redact", 50);
    pl.put("invite", "public_chat".equals(preset) ? 50 : 0);
    pl.put("historical", 100);
    JsonNode override = body.get("power_level_content_override");
    if (override instanceof ObjectNode o) {
      // A shallow update, as Synapse does.
      pl.setAll(o);
    }
    return pl;
  }

  /** An alias must be free and, if an AS claims it exclusively, be created by that AS. */
  public void checkAliasAvailable(Requester requester, String alias) {
    if (!alias.endsWith(":" + state.serverName())) {
      throw MatrixException.invalidParam("Room alias must be local");
    }
    if (state.aliasTarget(alias) != null) {
      throw new MatrixException(400, "M_ROOM_IN_USE", "Room alias already taken");
    }
    AppServiceRegistration owner = state.exclusiveAliasOwner(alias);
    if (owner != null && (requester.appService() == null || !requester.appService().id().equals(owner.id()))) {
      throw new MatrixException(400, "M_EXCLUSIVE", "This alias is reserved by an application service.");
    }
  }

  /**
   * Sends a message event. {@code txnKey} (null for none) makes it idempotent: Synapse keys it by request path and
   * access token (for an AS: the AS, whatever user it asserts), and only remembers successes.
   */
  public String send(Requester requester, String roomId, String type, ObjectNode content, Long ts, Object txnKey) {
    return state.locked(() -> {
      String earlier = txnKey == null ? null : state.transaction(txnKey);
      if (earlier != null) {
        return earlier;
      }
      Room room = state.requireRoom(roomId);
      requireJoined(room, requester.userId());
      requireLevel(room, requester.userId(), type, false);
      Event event = state.append(room, type, requester.userId(), null, content, ts, null);
      if (txnKey != null) {
        state.rememberTransaction(txnKey, event.eventId());
      }
      return event.eventId();
    });
  }

  /** Sends a state event; an identical event from the same sender is not sent again (Synapse deduplicates). */
  public String setState(Requester requester, String roomId, String type, String stateKey, ObjectNode content,
      Long ts) {
    if ("m.room.member".equals(type)) {
      return setMember(requester, roomId, stateKey, content, ts);
    }
    return state.locked(() -> {
      Room room = state.requireRoom(roomId);
      requireJoined(room, requester.userId());
      Event current = state.stateEvent(room, type, stateKey);
      if (current != null && current.sender().equals(requester.userId()) && current.content().equals(content)) {
        return current.eventId();
      }
      requireLevel(room, requester.userId(), type, true);
      if (stateKey.startsWith("@") && !stateKey.equals(requester.userId())) {
        // Spec authorization rules: a state key starting with '@' belongs to that user.
        throw MatrixException.forbidden("You are not allowed to set others state");
      }
      if ("m.room.canonical_alias".equals(type) && content.hasNonNull("alias")) {
        String alias = content.get("alias").asText();
        if (!roomId.equals(state.aliasTarget(alias))) {
          throw new MatrixException(400, "M_BAD_ALIAS", "Room alias " + alias + " does not point to the room");
        }
      }
      return state.append(room, type, requester.userId(), stateKey, content, ts, null).eventId();
    });
  }

  // PUT state/m.room.member/{userId}: what bridges use to set a per-room display name.
  private String setMember(Requester requester, String roomId, String target, ObjectNode content, Long ts) {
    String wanted = content.path("membership").asText();
    return state.locked(() -> {
      Room room = state.requireRoom(roomId);
      String current = state.membership(room, target);
      if (target.equals(requester.userId()) && "join".equals(wanted) && "join".equals(current)) {
        return state.append(room, "m.room.member", requester.userId(), target, content, ts, null).eventId();
      }
      throw MatrixException.forbidden("Use the membership endpoints to change " + target + " to " + wanted);
    });
  }

  public String redact(Requester requester, String roomId, String eventId, String reason, Object txnKey) {
    return state.locked(() -> {
      String earlier = txnKey == null ? null : state.transaction(txnKey);
      if (earlier != null) {
        return earlier;
      }
      Room room = state.requireRoom(roomId);
      requireJoined(room, requester.userId());
      Event target = state.event(eventId);
      if (target == null || !target.roomId().equals(roomId)) {
        throw MatrixException.notFound("Event not found.");
      }
      PowerLevels levels = PowerLevels.of(state, room);
      if (!target.sender().equals(requester.userId())
          && levels.user(requester.userId()) < levels.action("redact")) {
        throw MatrixException.forbidden("You don't have permission to redact events");
      }
      ObjectNode content = NODES.objectNode();
      content.put("redacts", eventId);
      if (reason != null) {
        content.put("reason", reason);
      }
      Event redaction = state.append(room, "m.room.redaction", requester.userId(), null, content, null, eventId);
      state.redact(target, redaction.eventId());
      if (txnKey != null) {
        state.rememberTransaction(txnKey, redaction.eventId());
      }
      return redaction.eventId();
    });
  }

  public void typing(Requester requester, String roomId, String userId, boolean typing) {
    if (!userId.equals(requester.userId())) {
      throw MatrixException.forbidden("Cannot set another user's typing state");
    }
    state.locked(() -> {
      Room room = state.requireRoom(roomId);
      requireJoined(room, userId);
      if (room.setTyping(userId, typing)) {
        ObjectNode edu = NODES.objectNode();
        edu.put("type", "m.typing");
        edu.put("room_id", roomId);
        var ids = edu.putObject("content").putArray("user_ids");
        room.typing().forEach(ids::add);
        state.ephemeral(room, edu);
      }
    });
  }

  public void receipt(Requester requester, String roomId, String receiptType, String eventId) {
    if (!List.of("m.read", "m.read.private", "m.fully_read").contains(receiptType)) {
      throw MatrixException.invalidParam("Receipt type must be m.read, m.read.private or m.fully_read");
    }
    state.locked(() -> {
      Room room = state.requireRoom(roomId);
      requireJoined(room, requester.userId());
      if (state.event(eventId) == null) {
        throw MatrixException.notFound("Event not found.");
      }
      if (!"m.read".equals(receiptType)) {
        // Private receipts and read markers are never shared with others (or with ASes).
        return;
      }
      ObjectNode edu = NODES.objectNode();
      edu.put("type", "m.receipt");
      edu.put("room_id", roomId);
      edu.putObject("content").putObject(eventId).putObject("m.read").putObject(requester.userId())
          .put("ts", state.now());
      state.ephemeral(room, edu);
    });
  }

  private void requireJoined(Room room, String userId) {
    if (!"join".equals(state.membership(room, userId))) {
      throw MatrixException.forbidden("User " + userId + " not in room " + room.roomId());
    }
  }

  private void requireLevel(Room room, String userId, String type, boolean isState) {
    PowerLevels levels = PowerLevels.of(state, room);
    int mine = levels.user(userId);
    int needed = levels.event(type, isState);
    if (mine < needed) {
      throw MatrixException.forbidden("You don't have permission to post that to the room. user_level (" + mine
          + ") < send_level (" + needed + ")");
    }
  }

  private static ObjectNode objectOrEmpty(JsonNode node) {
    return node instanceof ObjectNode o ? o.deepCopy() : NODES.objectNode();
  }
}
