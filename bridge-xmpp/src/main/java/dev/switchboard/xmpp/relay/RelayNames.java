package dev.switchboard.xmpp.relay;

import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The display names relayed lines carry ({@code <Rita> hi}): each relay user's name per room, read once from the
 * room's member state and kept current from their member events. Bounded: a room full of new ids empties it.
 */
public final class RelayNames {
  private static final int MAX = 10_000;
  private final Map<String, String> names = new ConcurrentHashMap<>();

  /** The name {@code user} has in {@code room}, read as {@code reader} when not known yet; "" when it has none. */
  public CompletableFuture<String> nameOf(RoomId room, UserId user, Intent reader) {
    String known = names.get(key(room, user));
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    return reader.getState(room, "m.room.member", user.value())
        .handle((state, err) -> err == null && state != null ? state.path("displayname").asText("") : "")
        .thenApply(name -> {
          remember(room, user, Optional.of(name));
          return name;
        });
  }

  /** The name known without asking, else "" (the format falls back to the localpart). */
  public String cachedName(RoomId room, UserId user) {
    return names.getOrDefault(key(room, user), "");
  }

  /** A member event of the user: their new display name (a leave forgets it). */
  public void remember(MatrixEvent event) {
    if (!"m.room.member".equals(event.type()) || event.stateKey().isEmpty()) {
      return;
    }
    UserId user;
    try {
      user = UserId.of(event.stateKey().get());
    } catch (IllegalArgumentException e) {
      return;
    }
    if ("join".equals(event.membership().orElse(""))) {
      remember(event.roomId(), user, Optional.of(event.content().path("displayname").asText("")));
    } else {
      names.remove(key(event.roomId(), user));
    }
  }

  public void remember(RoomId room, UserId user, Optional<String> name) {
    if (names.size() >= MAX) {
      names.clear();
    }
    names.put(key(room, user), name.orElse(""));
  }

  private static String key(RoomId room, UserId user) {
    return room.value() + " " + user.value();
  }
}
