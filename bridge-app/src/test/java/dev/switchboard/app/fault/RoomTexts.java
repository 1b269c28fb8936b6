package dev.switchboard.app.fault;

import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.util.List;

/** The bodies of a room's messages from one sender, in timeline order, as a Matrix client would read them. */
final class RoomTexts {
  private RoomTexts() {
  }

  static List<String> from(TestHomeserver hs, String roomId, String sender) {
    return hs.timeline(roomId).stream()
        .filter(e -> e.path("type").asText().equals("m.room.message") && e.path("sender").asText().equals(sender))
        .map(e -> e.path("content").path("body").asText())
        .toList();
  }
}
