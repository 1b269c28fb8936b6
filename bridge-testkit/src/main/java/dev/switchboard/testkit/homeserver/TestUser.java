package dev.switchboard.testkit.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.state.Requester;
import java.util.UUID;

/**
 * A normal Matrix user of the test homeserver, acting directly on it (not over HTTP, so its actions are not in
 * {@link TestHomeserver#requests()}); the same rules apply as for HTTP clients. Failures throw
 * {@link MatrixException}.
 */
public final class TestUser {
  private final TestHomeserver hs;
  private final String userId;
  private final String accessToken;

  TestUser(TestHomeserver hs, String userId, String accessToken) {
    this.hs = hs;
    this.userId = userId;
    this.accessToken = accessToken;
  }

  public String userId() {
    return userId;
  }

  /** A token for HTTP requests as this user. */
  public String accessToken() {
    return accessToken;
  }

  private Requester me() {
    return new Requester(userId, accessToken, null);
  }

  /** Creates an invite-only room and returns its id. */
  public String createRoom() {
    return createRoom(RoomSpec.privateRoom());
  }

  public String createRoom(RoomSpec spec) {
    return hs.rooms().createRoom(me(), spec.toJson()).get("room_id").asText();
  }

  /** {@code POST /createRoom} with this body as is (e.g. {@code "room_version": "12"}); returns the room id. */
  public String createRoom(ObjectNode body) {
    return hs.rooms().createRoom(me(), body.deepCopy()).get("room_id").asText();
  }

  /** Joins by room id or alias (an unknown alias in an AS namespace is queried from the AS); returns the room id. */
  public String join(String roomIdOrAlias) {
    return hs.membership().join(me(), roomIdOrAlias, null);
  }

  public void leave(String roomId) {
    hs.membership().leave(me(), roomId, null, null);
  }

  public void invite(String roomId, String userIdToInvite) {
    hs.membership().invite(me(), roomId, userIdToInvite, null, false, null);
  }

  public void kick(String roomId, String target, String reason) {
    hs.membership().kick(me(), roomId, target, reason, null);
  }

  public void ban(String roomId, String target, String reason) {
    hs.membership().ban(me(), roomId, target, reason, null);
  }

  public void unban(String roomId, String target) {
    hs.membership().unban(me(), roomId, target, null, null);
  }

  /** Sends an {@code m.text} message; returns its event id. */
  public String send(String roomId, String text) {
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", text);
    return sendEvent(roomId, "m.room.message", content);
  }

  public String sendEvent(String roomId, String type, JsonNode content) {
    return hs.rooms().send(me(), roomId, type, ((ObjectNode) content).deepCopy(), null,
        java.util.List.of("testuser", userId, UUID.randomUUID()));
  }

  public String sendState(String roomId, String type, String stateKey, JsonNode content) {
    return hs.rooms().setState(me(), roomId, type, stateKey, ((ObjectNode) content).deepCopy(), null);
  }

  /** Sets one user's level in the room's {@code m.room.power_levels}. */
  public String setPowerLevel(String roomId, String target, int level) {
    ObjectNode content = hs.roomStateEvent(roomId, "m.room.power_levels", "").get("content").deepCopy();
    ((ObjectNode) content.get("users")).put(target, level);
    return sendState(roomId, "m.room.power_levels", "", content);
  }

  public String redact(String roomId, String eventId, String reason) {
    return hs.rooms().redact(me(), roomId, eventId, reason, null);
  }

  public void typing(String roomId, boolean typing) {
    hs.rooms().typing(me(), roomId, userId, typing);
  }

  public void readReceipt(String roomId, String eventId) {
    hs.rooms().receipt(me(), roomId, "m.read", eventId);
  }

  public void setDisplayName(String name) {
    hs.profiles().setDisplayName(me(), userId, name);
  }

  public void setAvatarUrl(String mxc) {
    hs.profiles().setAvatarUrl(me(), userId, mxc);
  }

  /**
   * An OpenID token for this user, as {@code POST /user/{userId}/openid/request_token} returns it: a third party
   * verifies it at {@code GET /_matrix/federation/v1/openid/userinfo}.
   */
  public String requestOpenIdToken() {
    return hs.openId().issue(userId);
  }

  @Override
  public String toString() {
    return userId;
  }
}
