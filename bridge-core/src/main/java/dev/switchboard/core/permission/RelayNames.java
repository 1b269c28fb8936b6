package dev.switchboard.core.permission;

import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The display names of {@link Level#RELAY} users per room, for the name the bot puts in front of their lines
 * ({@link RelayFormat}): from their member events as they pass through a connector, else (after a restart, or a
 * member who joined before the room was bridged) read once from the room's state. "" when they have none (the
 * format then uses the localpart). Bounded: the least recently used names go first.
 */
public final class RelayNames {
  private static final int MAX_REMEMBERED = 10_000;

  private final Map<String, String> names = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };

  /** The name {@code user} has in {@code room}, read as {@code reader} (a member of the room) when not known yet. */
  public CompletableFuture<String> nameOf(RoomId room, UserId user, Intent reader) {
    String known;
    synchronized (names) {
      known = names.get(key(room, user));
    }
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    return reader.getState(room, "m.room.member", user.value()).handle((member, err) -> {
      String name = err == null && member != null && member.path("displayname").isTextual()
          ? member.path("displayname").textValue() : "";
      if (err == null) {
        remember(room, user, Optional.of(name));
      }
      return name;
    });
  }

  /** The name known without asking, else "". */
  public String cachedName(RoomId room, UserId user) {
    synchronized (names) {
      return names.getOrDefault(key(room, user), "");
    }
  }

  /** A member event: a join (or profile change) sets the name, anything else forgets it. Other events are ignored. */
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
      remember(event.roomId(), user, Optional.ofNullable(event.content().path("displayname").textValue()));
    } else {
      synchronized (names) {
        names.remove(key(event.roomId(), user));
      }
    }
  }

  /** {@code user}'s display name in {@code room} (empty: none). */
  public void remember(RoomId room, UserId user, Optional<String> displayName) {
    synchronized (names) {
      names.put(key(room, user), displayName.orElse(""));
    }
  }

  private static String key(RoomId room, UserId user) {
    return room.value() + " " + user.value();
  }
}
