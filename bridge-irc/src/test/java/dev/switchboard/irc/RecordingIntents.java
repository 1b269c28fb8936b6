package dev.switchboard.irc;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Intents that record every call and answer at once, for connector tests without a homeserver. */
public final class RecordingIntents implements Intents {
  /** One call: who made it, what it was, in which room, and its main argument. */
  public record Call(UserId user, String method, Optional<RoomId> room, Object argument) {}

  private final String domain;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger rooms = new AtomicInteger();
  private final AtomicInteger events = new AtomicInteger();
  private final Intent bot;

  public RecordingIntents(String domain) {
    this.domain = domain;
    this.bot = new Recording(UserId.of("switchboard", domain));
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  private final List<Runnable> held = new java.util.ArrayList<>();
  private boolean holding;

  /** From now on sends are recorded but their futures stay incomplete until {@link #answerSends()}. */
  public void holdSends() {
    synchronized (held) {
      holding = true;
    }
  }

  /** Completes every held send, in order, and stops holding. */
  public void answerSends() {
    List<Runnable> answers;
    synchronized (held) {
      holding = false;
      answers = List.copyOf(held);
      held.clear();
    }
    answers.forEach(Runnable::run);
  }

  /** Bodies of m.room.message events sent by {@code user}, as {@code msgtype: body}. */
  public List<String> messagesFrom(UserId user) {
    return calls.stream()
        .filter(c -> c.user().equals(user) && c.method().equals("sendEvent"))
        .map(c -> (JsonNode) c.argument())
        .map(content -> content.path("msgtype").asText() + ": " + content.path("body").asText())
        .toList();
  }

  @Override
  public Intent bot() {
    return bot;
  }

  @Override
  public Intent ghost(UserId ghost) {
    return new Recording(ghost);
  }

  private final class Recording implements Intent {
    private final UserId user;

    Recording(UserId user) {
      this.user = user;
    }

    private <T> CompletableFuture<T> record(String method, RoomId room, Object argument, T result) {
      calls.add(new Call(user, method, Optional.ofNullable(room), argument == null ? "" : argument));
      return CompletableFuture.completedFuture(result);
    }

    private EventId nextEvent() {
      return EventId.of("$e" + events.incrementAndGet());
    }

    @Override
    public UserId userId() {
      return user;
    }

    @Override
    public CompletableFuture<Void> ensureRegistered() {
      return record("ensureRegistered", null, null, null);
    }

    @Override
    public CompletableFuture<Void> ensureJoined(RoomId room) {
      return record("ensureJoined", room, null, null);
    }

    @Override
    public CompletableFuture<Void> setPresence(String presence, Optional<String> statusMsg) {
      return record("setPresence", null, presence + statusMsg.map(m -> " " + m).orElse(""), null);
    }

    @Override
    public CompletableFuture<EventId> sendEvent(RoomId room, String type, JsonNode content, String txnKey,
        Optional<Long> timestamp) {
      CompletableFuture<EventId> sent = record("sendEvent", room, content, nextEvent());
      synchronized (held) {
        if (holding) {
          // As if the homeserver had not answered yet.
          CompletableFuture<EventId> later = new CompletableFuture<>();
          held.add(() -> later.complete(sent.join()));
          return later;
        }
      }
      return sent;
    }

    @Override
    public CompletableFuture<EventId> sendState(RoomId room, String type, String stateKey, JsonNode content) {
      return record("sendState", room, type, nextEvent());
    }

    @Override
    public CompletableFuture<JsonNode> getState(RoomId room, String type, String stateKey) {
      return record("getState", room, type, null);
    }

    @Override
    public CompletableFuture<Void> setDisplayName(String displayName) {
      return record("setDisplayName", null, displayName, null);
    }

    @Override
    public CompletableFuture<Void> setAvatarUrl(String mxcUri) {
      return record("setAvatarUrl", null, mxcUri, null);
    }

    @Override
    public CompletableFuture<RoomId> createRoom(ObjectNode request) {
      return record("createRoom", null, request, RoomId.of("!room" + rooms.incrementAndGet() + ":" + domain));
    }

    @Override
    public CompletableFuture<Void> createAlias(RoomAlias alias, RoomId room) {
      return record("createAlias", room, alias, null);
    }

    @Override
    public CompletableFuture<Optional<RoomId>> resolveAlias(RoomAlias alias) {
      return record("resolveAlias", null, alias, Optional.empty());
    }

    @Override
    public CompletableFuture<Void> deleteAlias(RoomAlias alias) {
      return record("deleteAlias", null, alias, null);
    }

    @Override
    public CompletableFuture<Void> invite(RoomId room, UserId invitee) {
      return record("invite", room, invitee, null);
    }

    @Override
    public CompletableFuture<Void> leave(RoomId room) {
      return record("leave", room, null, null);
    }

    @Override
    public CompletableFuture<Void> kick(RoomId room, UserId target, String reason) {
      return record("kick", room, target, null);
    }

    @Override
    public CompletableFuture<Void> ban(RoomId room, UserId target, String reason) {
      return record("ban", room, target, null);
    }

    @Override
    public CompletableFuture<Void> unban(RoomId room, UserId target, String reason) {
      return record("unban", room, target, null);
    }

    @Override
    public CompletableFuture<JsonNode> getEvent(RoomId room, EventId event) {
      return nothingToRead("getEvent");
    }

    @Override
    public CompletableFuture<Map<UserId, Optional<String>>> joinedMembers(RoomId room) {
      return nothingToRead("joinedMembers");
    }

    @Override
    public CompletableFuture<List<JsonNode>> latestEvents(RoomId room, int limit) {
      return nothingToRead("latestEvents");
    }

    @Override
    public CompletableFuture<JsonNode> profile(UserId target) {
      return nothingToRead("profile");
    }

    @Override
    public CompletableFuture<JsonNode> publicRooms(int limit, String since, String searchTerm) {
      return nothingToRead("publicRooms");
    }

    /** There is no homeserver behind these intents: reads other than state fail, as a missing endpoint would. */
    private <T> CompletableFuture<T> nothingToRead(String method) {
      return CompletableFuture.failedFuture(new UnsupportedOperationException(method));
    }

    @Override
    public CompletableFuture<EventId> redact(RoomId room, EventId event, String reason, String txnKey) {
      return record("redact", room, event, nextEvent());
    }

    @Override
    public CompletableFuture<Void> setTyping(RoomId room, boolean typing, int timeoutMs) {
      return record("setTyping", room, typing, null);
    }

    @Override
    public CompletableFuture<Void> sendReadReceipt(RoomId room, EventId event) {
      return record("sendReadReceipt", room, event, null);
    }

    @Override
    public CompletableFuture<String> uploadMedia(byte[] data, String contentType, String fileName) {
      return record("uploadMedia", null, fileName, "mxc://" + domain + "/m" + events.incrementAndGet());
    }
  }
}
