package dev.switchboard.testkit.homeserver;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What {@link TestUser#createRoom(RoomSpec)} asks for; mirrors the {@code /createRoom} body.
 *
 * @param aliasName the alias localpart ({@code room_alias_name}), or {@code null}
 */
public record RoomSpec(String preset, String name, String topic, String aliasName, List<String> invite,
    boolean isDirect) {

  public RoomSpec {
    invite = List.copyOf(invite);
  }

  /** Invite-only ({@code private_chat}): joins need an invite. */
  public static RoomSpec privateRoom() {
    return new RoomSpec("private_chat", null, null, null, List.of(), false);
  }

  /** Anyone may join ({@code public_chat}). */
  public static RoomSpec publicRoom() {
    return new RoomSpec("public_chat", null, null, null, List.of(), false);
  }

  public RoomSpec name(String n) {
    return new RoomSpec(preset, n, topic, aliasName, invite, isDirect);
  }

  public RoomSpec topic(String t) {
    return new RoomSpec(preset, name, t, aliasName, invite, isDirect);
  }

  public RoomSpec alias(String localName) {
    return new RoomSpec(preset, name, topic, localName, invite, isDirect);
  }

  public RoomSpec invite(String... userIds) {
    return new RoomSpec(preset, name, topic, aliasName, List.of(userIds), isDirect);
  }

  public RoomSpec direct() {
    return new RoomSpec(preset, name, topic, aliasName, invite, true);
  }

  ObjectNode toJson() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("preset", preset);
    if (name != null) {
      body.put("name", name);
    }
    if (topic != null) {
      body.put("topic", topic);
    }
    if (aliasName != null) {
      body.put("room_alias_name", aliasName);
    }
    if (!invite.isEmpty()) {
      invite.forEach(body.putArray("invite")::add);
    }
    if (isDirect) {
      body.put("is_direct", true);
    }
    return body;
  }
}
