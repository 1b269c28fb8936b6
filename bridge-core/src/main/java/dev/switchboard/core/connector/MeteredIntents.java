package dev.switchboard.core.connector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The intents core hands one connector: as the shared ones, and every {@code m.room.message} a ghost of the
 * connector posts (a remote user's message, edits included) counts as {@code switchboard.<protocol>.messages{direction
 * ="to_matrix"}} once the homeserver accepted it. The bot's own notices are not counted: they are the bridge
 * talking, not a message bridged.
 */
public final class MeteredIntents implements Intents {
  private final Intents delegate;
  private final ConnectorMeters meters;

  public MeteredIntents(Intents delegate, ConnectorMeters meters) {
    this.delegate = delegate;
    this.meters = meters;
  }

  @Override
  public Intent bot() {
    return delegate.bot();
  }

  @Override
  public Intent ghost(UserId ghost) {
    return new CountingIntent(delegate.ghost(ghost));
  }

  private final class CountingIntent implements Intent {
    private final Intent d;

    CountingIntent(Intent d) {
      this.d = d;
    }

    @Override
    public UserId userId() {
      return d.userId();
    }

    @Override
    public CompletableFuture<Void> ensureRegistered() {
      return d.ensureRegistered();
    }

    @Override
    public CompletableFuture<Void> ensureJoined(RoomId room) {
      return d.ensureJoined(room);
    }

    @Override
    public CompletableFuture<EventId> sendEvent(RoomId room, String type, JsonNode content, String txnKey,
        Optional<Long> timestamp) {
      CompletableFuture<EventId> sent = d.sendEvent(room, type, content, txnKey, timestamp);
      if ("m.room.message".equals(type)) {
        sent.thenRun(() -> meters.message(ConnectorMeters.Direction.TO_MATRIX));
      }
      return sent;
    }

    @Override
    public CompletableFuture<EventId> sendState(RoomId room, String type, String stateKey, JsonNode content) {
      return d.sendState(room, type, stateKey, content);
    }

    @Override
    public CompletableFuture<JsonNode> getState(RoomId room, String type, String stateKey) {
      return d.getState(room, type, stateKey);
    }

    @Override
    public CompletableFuture<JsonNode> getEvent(RoomId room, EventId event) {
      return d.getEvent(room, event);
    }

    @Override
    public CompletableFuture<Map<UserId, Optional<String>>> joinedMembers(RoomId room) {
      return d.joinedMembers(room);
    }

    @Override
    public CompletableFuture<List<JsonNode>> latestEvents(RoomId room, int limit) {
      return d.latestEvents(room, limit);
    }

    @Override
    public CompletableFuture<JsonNode> publicRooms(int limit, String since, String searchTerm) {
      return d.publicRooms(limit, since, searchTerm);
    }

    @Override
    public CompletableFuture<Void> setDisplayName(String displayName) {
      return d.setDisplayName(displayName);
    }

    @Override
    public CompletableFuture<JsonNode> profile(UserId user) {
      return d.profile(user);
    }

    @Override
    public CompletableFuture<Void> setAvatarUrl(String mxcUri) {
      return d.setAvatarUrl(mxcUri);
    }

    @Override
    public CompletableFuture<Void> setPresence(String presence, Optional<String> statusMsg) {
      return d.setPresence(presence, statusMsg);
    }

    @Override
    public CompletableFuture<RoomId> createRoom(ObjectNode request) {
      return d.createRoom(request);
    }

    @Override
    public CompletableFuture<Void> createAlias(RoomAlias alias, RoomId room) {
      return d.createAlias(alias, room);
    }

    @Override
    public CompletableFuture<Optional<RoomId>> resolveAlias(RoomAlias alias) {
      return d.resolveAlias(alias);
    }

    @Override
    public CompletableFuture<Void> deleteAlias(RoomAlias alias) {
      return d.deleteAlias(alias);
    }

    @Override
    public CompletableFuture<Void> invite(RoomId room, UserId user) {
      return d.invite(room, user);
    }

    @Override
    public CompletableFuture<Void> leave(RoomId room) {
      return d.leave(room);
    }

    @Override
    public CompletableFuture<Void> kick(RoomId room, UserId user, String reason) {
      return d.kick(room, user, reason);
    }

    @Override
    public CompletableFuture<Void> ban(RoomId room, UserId user, String reason) {
      return d.ban(room, user, reason);
    }

    @Override
    public CompletableFuture<EventId> redact(RoomId room, EventId event, String reason, String txnKey) {
      return d.redact(room, event, reason, txnKey);
    }

    @Override
    public CompletableFuture<Void> setTyping(RoomId room, boolean typing, int timeoutMs) {
      return d.setTyping(room, typing, timeoutMs);
    }

    @Override
    public CompletableFuture<Void> sendReadReceipt(RoomId room, EventId event) {
      return d.sendReadReceipt(room, event);
    }

    @Override
    public CompletableFuture<String> uploadMedia(byte[] data, String contentType, String fileName) {
      return d.uploadMedia(data, contentType, fileName);
    }
  }
}
