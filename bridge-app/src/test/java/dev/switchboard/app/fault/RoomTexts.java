package dev.switchboard.app.fault;

import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.util.List;

/**
 * The lines of a room's messages from one sender, in timeline order, as a Matrix client would read them: a body of
 * several lines (the outbound queue merges a sender's waiting lines while the room is behind) counts as its lines.
 */
final class RoomTexts {
  private RoomTexts() {
  }

  static List<String> from(TestHomeserver hs, String roomId, String sender) {
    return hs.timeline(roomId).stream()
        .filter(e -> e.path("type").asText().equals("m.room.message") && e.path("sender").asText().equals(sender))
        .flatMap(e -> e.path("content").path("body").asText().lines())
        .toList();
  }
}
