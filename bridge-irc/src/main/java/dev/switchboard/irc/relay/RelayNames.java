package dev.switchboard.irc.relay;

import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The display names of {@code relay} users per room, for the name the bot puts in front of their lines: from their
 * membership events as they pass through the connector, else (after a restart, or a member who joined before the
 * room was bridged) read from the room's state by the bot. A user without one is named by their localpart.
 */
public final class RelayNames {
  /** Bounds what a crowd of relay users can make us keep; the least recently used go first. */
  private static final int MAX_REMEMBERED = 10_000;
  private static final int MAX_LABEL_CHARS = 64;

  private final Intent bot;
  private final Map<String, String> names = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };

  /** @param bot reads {@code m.room.member} state (it is in every portal) */
  public RelayNames(Intent bot) {
    this.bot = bot;
  }

  /** A membership event of {@code user} in {@code room} with this display name (empty: none). */
  public void remember(RoomId room, UserId user, Optional<String> displayName) {
    synchronized (names) {
      names.put(key(room, user), displayName.orElse(""));
    }
  }

  /** The user's display name in the room; empty when they have none (the relay format then uses the localpart). */
  public CompletableFuture<String> nameOf(RoomId room, UserId user) {
    String known;
    synchronized (names) {
      known = names.get(key(room, user));
    }
    if (known != null) {
      return CompletableFuture.completedFuture(known);
    }
    return bot.getState(room, "m.room.member", user.value()).handle((member, err) -> {
      String name = err == null && member != null && member.path("displayname").isTextual()
          ? member.path("displayname").textValue() : "";
      if (err == null) {
        remember(room, user, Optional.of(name));
      }
      return name;
    });
  }

  /**
   * The author a relayed line is recorded under in the message map: the display name (or localpart) as one line,
   * without {@code /}, which the map uses as a separator.
   */
  public static String label(UserId user, String displayName) {
    String name = displayName == null ? "" : displayName.replaceAll("[\\p{Cntrl}\\u0085\\u2028\\u2029/]", " ").strip();
    if (name.isEmpty()) {
      name = user.localpart().replace('/', '_');
    }
    return name.length() > MAX_LABEL_CHARS ? name.substring(0, MAX_LABEL_CHARS) : name;
  }

  private static String key(RoomId room, UserId user) {
    return room.value() + " " + user.value();
  }
}
