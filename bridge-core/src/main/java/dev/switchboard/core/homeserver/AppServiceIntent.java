package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bot or one ghost acting through the application service's token. Room writes (events, state, redactions) go
 * through the outbound queue; everything else is a direct call with the bounded, interactive retry policy.
 */
final class AppServiceIntent implements Intent {
  private static final Logger log = LoggerFactory.getLogger(AppServiceIntent.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(5);

  private final AppServiceIntents intents;
  private final HomeserverClient client;
  private final OutboundQueue queue;
  private final UserId userId;
  private final boolean isBot;
  /** Run each time the homeserver accepted an {@code m.room.message} of this user: its connector's count. */
  private final Runnable messageAccepted;
  /** The registration in flight or done; null until the first call or after a failure. */
  private final AtomicReference<CompletableFuture<Void>> registered = new AtomicReference<>();
  /** Joins in flight or done, by room. A failed join is removed so the next call tries again. */
  private final ConcurrentHashMap<RoomId, CompletableFuture<Void>> joined = new ConcurrentHashMap<>();

  AppServiceIntent(AppServiceIntents intents, HomeserverClient client, OutboundQueue queue, UserId userId,
      boolean isBot, Runnable messageAccepted) {
    this.intents = intents;
    this.client = client;
    this.queue = queue;
    this.userId = userId;
    this.isBot = isBot;
    this.messageAccepted = messageAccepted;
  }

  @Override
  public UserId userId() {
    return userId;
  }

  /** Identity assertion: ghosts add {@code ?user_id=}; the bot is the token's own user. */
  private MatrixRequest asMe(MatrixRequest request) {
    return isBot ? request : request.as(userId);
  }

  private static String v3(String... segments) {
    return MatrixRequest.path(MatrixRequest.CLIENT_V3, segments);
  }

  @Override
  public CompletableFuture<Void> ensureRegistered() {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    while (true) {
      CompletableFuture<Void> current = registered.get();
      if (current != null) {
        return current;
      }
      if (registered.compareAndSet(null, mine)) {
        break;
      }
    }
    ObjectNode body = NODES.objectNode()
        .put("type", "m.login.application_service")
        .put("username", userId.localpart())
        .put("inhibit_login", true);
    client.call(MatrixRequest.post(MatrixRequest.CLIENT_V3 + "/register", body)).whenComplete((ok, error) -> {
      Throwable cause = error == null ? null : HomeserverClient.unwrap(error);
      if (cause == null || (cause instanceof MatrixException m && m.is("M_USER_IN_USE"))) {
        mine.complete(null);
      } else {
        registered.compareAndSet(mine, null);
        mine.completeExceptionally(cause);
      }
    });
    return mine;
  }

  @Override
  public CompletableFuture<Void> ensureJoined(RoomId room) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> existing = joined.putIfAbsent(room, mine);
    if (existing != null) {
      return existing;
    }
    ensureRegistered()
        .thenCompose(v -> join(room))
        .exceptionallyCompose(error -> {
          Throwable cause = HomeserverClient.unwrap(error);
          if (isBot || !(cause instanceof MatrixException m && m.is("M_FORBIDDEN"))) {
            return CompletableFuture.failedFuture(cause);
          }
          // The room is not public to the ghost: the bot (which the bridge keeps in its portals) invites it.
          log.debug("{} may not join {} ({}); the bot invites it", userId, room, m.error());
          AppServiceIntent bot = intents.botIntent();
          return bot.ensureJoined(room)
              .thenCompose(v -> bot.invite(room, userId))
              .handle((v, inviteError) -> {
                if (inviteError != null) {
                  log.debug("The bot could not invite {} to {}: {}", userId, room, inviteError.getMessage());
                }
                return null;
              })
              .thenCompose(v -> join(room));
        })
        .whenComplete((v, error) -> {
          if (error == null) {
            mine.complete(null);
          } else {
            joined.remove(room, mine);
            mine.completeExceptionally(HomeserverClient.unwrap(error));
          }
        });
    return mine;
  }

  private CompletableFuture<Void> join(RoomId room) {
    return client.call(asMe(MatrixRequest.post(v3("rooms", room.value(), "join"), NODES.objectNode())))
        .thenApply(body -> null);
  }

  void rememberJoined(RoomId room) {
    joined.putIfAbsent(room, CompletableFuture.completedFuture(null));
  }

  void forgetJoined(RoomId room) {
    joined.remove(room);
  }

  @Override
  public CompletableFuture<EventId> sendEvent(RoomId room, String type, JsonNode content, String txnKey,
      Optional<Long> timestamp) {
    return send(room, type, content, txnKey, timestamp, false);
  }

  @Override
  public CompletableFuture<EventId> sendLine(RoomId room, JsonNode content, String txnKey, Optional<Long> timestamp) {
    return send(room, "m.room.message", content, txnKey, timestamp, true);
  }

  private CompletableFuture<EventId> send(RoomId room, String type, JsonNode content, String txnKey,
      Optional<Long> timestamp, boolean mayCoalesce) {
    String txnId = TransactionIds.derive(userId, room, "send", txnKey);
    CompletableFuture<EventId> sent = queue.enqueue(
        new OutboundRequest.SendEvent(userId, room, type, content, txnId, timestamp.orElse(null)), mayCoalesce)
        .thenApply(AppServiceIntent::eventId);
    if ("m.room.message".equals(type)) {
      sent.thenRun(messageAccepted);
    }
    return sent;
  }

  @Override
  public CompletableFuture<EventId> sendState(RoomId room, String type, String stateKey, JsonNode content) {
    return queue.enqueue(new OutboundRequest.SendState(userId, room, type, stateKey, content))
        .thenApply(AppServiceIntent::eventId);
  }

  @Override
  public CompletableFuture<EventId> redact(RoomId room, EventId event, String reason, String txnKey) {
    String txnId = TransactionIds.derive(userId, room, "redact", txnKey);
    return queue.enqueue(new OutboundRequest.Redact(userId, room, event, reason, txnId))
        .thenApply(AppServiceIntent::eventId);
  }

  /**
   * Sends one queued request: registers and joins first, then the write with the queue's retry-forever policy. A
   * write refused with {@code M_FORBIDDEN} although we thought we had joined (kicked since, say) rejoins once.
   */
  CompletableFuture<JsonNode> deliver(OutboundRequest request) {
    RoomId room = request.room();
    MatrixRequest http = asMe(request.toRequest());
    return ensureJoined(room)
        .thenCompose(v -> client.call(http, client.settings().queuedRetry()))
        .exceptionallyCompose(error -> {
          Throwable cause = HomeserverClient.unwrap(error);
          if (cause instanceof MatrixException m && m.is("M_FORBIDDEN") && joined.containsKey(room)) {
            forgetJoined(room);
            return ensureJoined(room).thenCompose(v -> client.call(http, client.settings().queuedRetry()));
          }
          return CompletableFuture.failedFuture(cause);
        });
  }

  private static EventId eventId(JsonNode body) {
    return EventId.of(body.path("event_id").asText());
  }

  /** A direct call as this user, after registering it. */
  private CompletableFuture<JsonNode> call(MatrixRequest request) {
    return ensureRegistered().thenCompose(v -> client.call(asMe(request)));
  }

  @Override
  public CompletableFuture<JsonNode> getState(RoomId room, String type, String stateKey) {
    return call(MatrixRequest.get(v3("rooms", room.value(), "state", type, stateKey)));
  }

  @Override
  public CompletableFuture<JsonNode> getEvent(RoomId room, EventId event) {
    return call(MatrixRequest.get(v3("rooms", room.value(), "event", event.value())));
  }

  @Override
  public CompletableFuture<Map<UserId, Optional<String>>> joinedMembers(RoomId room) {
    return call(MatrixRequest.get(v3("rooms", room.value(), "joined_members"))).thenApply(body -> {
      Map<UserId, Optional<String>> members = new LinkedHashMap<>();
      body.path("joined").fields().forEachRemaining(e -> {
        try {
          JsonNode name = e.getValue().path("display_name");
          members.put(UserId.of(e.getKey()), name.isTextual() ? Optional.of(name.asText()) : Optional.empty());
        } catch (IllegalArgumentException bad) {
          log.debug("joined_members of {} lists '{}', not a user id", room, e.getKey());
        }
      });
      return members;
    });
  }

  @Override
  public CompletableFuture<List<JsonNode>> latestEvents(RoomId room, int limit) {
    return call(MatrixRequest.get(v3("rooms", room.value(), "messages")).withQuery("dir", "b")
        .withQuery("limit", Integer.toString(limit))).thenApply(body -> {
          List<JsonNode> events = new ArrayList<>();
          body.path("chunk").forEach(events::add);
          return events;
        });
  }

  @Override
  public CompletableFuture<JsonNode> publicRooms(int limit, String since, String searchTerm) {
    ObjectNode body = NODES.objectNode().put("limit", limit);
    if (since != null) {
      body.put("since", since);
    }
    if (searchTerm != null) {
      body.putObject("filter").put("generic_search_term", searchTerm);
    }
    return call(MatrixRequest.post(v3("publicRooms"), body));
  }

  @Override
  public CompletableFuture<JsonNode> profile(UserId user) {
    return call(MatrixRequest.get(v3("profile", user.value())));
  }

  @Override
  public CompletableFuture<Void> setDisplayName(String displayName) {
    return call(MatrixRequest.put(v3("profile", userId.value(), "displayname"),
        NODES.objectNode().put("displayname", displayName))).thenApply(b -> null);
  }

  @Override
  public CompletableFuture<Void> setAvatarUrl(String mxcUri) {
    return call(MatrixRequest.put(v3("profile", userId.value(), "avatar_url"),
        NODES.objectNode().put("avatar_url", mxcUri))).thenApply(b -> null);
  }

  @Override
  public CompletableFuture<Void> setPresence(String presence, Optional<String> statusMsg) {
    ObjectNode body = NODES.objectNode().put("presence", presence);
    statusMsg.ifPresent(m -> body.put("status_msg", m));
    return call(MatrixRequest.put(v3("presence", userId.value(), "status"), body)).handle((b, error) -> {
      if (error != null) {
        // A homeserver may refuse presence (turned off, rate limits past our retries); nothing depends on it.
        log.debug("Presence {} for {} not set: {}", presence, userId, HomeserverClient.unwrap(error).toString());
      }
      return null;
    });
  }

  @Override
  public CompletableFuture<RoomId> createRoom(ObjectNode request) {
    for (JsonNode state : request.path("initial_state")) {
      if ("m.room.encryption".equals(state.path("type").asText())) {
        // Every room the bridge creates comes through here: nothing sent in an encrypted room could be bridged.
        return CompletableFuture.failedFuture(new IllegalArgumentException(
            "the bridge cannot decrypt, so it never creates an encrypted room (m.room.encryption in initial_state)"));
      }
    }
    // Not idempotent: a retry after the request may have arrived could create a second room.
    return call(MatrixRequest.post(MatrixRequest.CLIENT_V3 + "/createRoom", request).notIdempotent())
        .thenApply(body -> {
          RoomId room = RoomId.of(body.path("room_id").asText());
          rememberJoined(room);
          return room;
        });
  }

  @Override
  public CompletableFuture<Void> createAlias(RoomAlias alias, RoomId room) {
    return call(MatrixRequest.put(v3("directory", "room", alias.value()),
        NODES.objectNode().put("room_id", room.value()))).thenApply(b -> null);
  }

  @Override
  public CompletableFuture<Optional<RoomId>> resolveAlias(RoomAlias alias) {
    return call(MatrixRequest.get(v3("directory", "room", alias.value())))
        .thenApply(body -> Optional.of(RoomId.of(body.path("room_id").asText())))
        .exceptionallyCompose(error -> {
          Throwable cause = HomeserverClient.unwrap(error);
          if (cause instanceof MatrixException m && m.status() == 404) {
            return CompletableFuture.completedFuture(Optional.empty());
          }
          return CompletableFuture.failedFuture(cause);
        });
  }

  @Override
  public CompletableFuture<Void> deleteAlias(RoomAlias alias) {
    return call(MatrixRequest.delete(v3("directory", "room", alias.value()))).thenApply(b -> null);
  }

  @Override
  public CompletableFuture<Void> invite(RoomId room, UserId user) {
    // The homeserver refuses to invite a local user that does not exist (404): register our ghosts first.
    return intents.registerIfOurs(user)
        .thenCompose(v -> call(MatrixRequest.post(v3("rooms", room.value(), "invite"),
            NODES.objectNode().put("user_id", user.value()))))
        .thenApply(b -> null);
  }

  @Override
  public CompletableFuture<Void> leave(RoomId room) {
    return call(MatrixRequest.post(v3("rooms", room.value(), "leave"), NODES.objectNode()))
        .thenApply(b -> {
          forgetJoined(room);
          return null;
        });
  }

  @Override
  public CompletableFuture<Void> kick(RoomId room, UserId user, String reason) {
    return removeMember("kick", room, user, reason);
  }

  @Override
  public CompletableFuture<Void> ban(RoomId room, UserId user, String reason) {
    return removeMember("ban", room, user, reason);
  }

  @Override
  public CompletableFuture<Void> unban(RoomId room, UserId user, String reason) {
    return removeMember("unban", room, user, reason);
  }

  private CompletableFuture<Void> removeMember(String action, RoomId room, UserId user, String reason) {
    ObjectNode body = NODES.objectNode().put("user_id", user.value());
    if (reason != null && !reason.isEmpty()) {
      body.put("reason", reason);
    }
    return call(MatrixRequest.post(v3("rooms", room.value(), action), body)).thenApply(b -> {
      intents.membershipChanged(room, user, "ban".equals(action) ? "ban" : "leave");
      return null;
    });
  }

  @Override
  public CompletableFuture<Void> setTyping(RoomId room, boolean typing, int timeoutMs) {
    ObjectNode body = NODES.objectNode().put("typing", typing);
    if (typing) {
      body.put("timeout", timeoutMs);
    }
    return ensureJoined(room)
        .thenCompose(v -> client.call(asMe(MatrixRequest.put(v3("rooms", room.value(), "typing", userId.value()),
            body))))
        .thenApply(b -> null);
  }

  @Override
  public CompletableFuture<Void> sendReadReceipt(RoomId room, EventId event) {
    return ensureJoined(room)
        .thenCompose(v -> client.call(asMe(MatrixRequest.post(
            v3("rooms", room.value(), "receipt", "m.read", event.value()), NODES.objectNode()))))
        .thenApply(b -> null);
  }

  @Override
  public CompletableFuture<String> uploadMedia(byte[] data, String contentType, String fileName) {
    MatrixRequest upload = MatrixRequest.post(MatrixRequest.MEDIA_V3 + "/upload", data, contentType)
        .withTimeout(UPLOAD_TIMEOUT);
    if (fileName != null && !fileName.isEmpty()) {
      upload = upload.withQuery("filename", fileName);
    }
    return call(upload).thenApply(body -> body.path("content_uri").asText());
  }

  @Override
  public String toString() {
    return "Intent[" + userId + "]";
  }
}
