package dev.switchboard.sip;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/** A user's DM with the bridge's bot, where {@code !sip} commands are answered. */
public final class AdminRoom {
  private final TestHomeserver hs;
  private final TestUser user;
  private final String room;
  private final String bot;
  private final Duration wait;

  private AdminRoom(TestHomeserver hs, TestUser user, String room, String bot, Duration wait) {
    this.hs = hs;
    this.user = user;
    this.room = room;
    this.bot = bot;
    this.wait = wait;
  }

  /** The user invites the bot to a new room and waits for its join and welcome. */
  public static AdminRoom open(TestHomeserver hs, TestUser user, Duration wait) {
    String bot = "@" + SipBridge.BOT_LOCALPART + ":" + hs.serverName();
    String room = user.createRoom();
    user.invite(room, bot);
    await().atMost(wait).until(() -> "join".equals(hs.members(room).get(bot)));
    // Core takes the room as an admin room only after its join returns; the welcome comes after that. A command
    // sent between the two would be routed as an ordinary message and never answered.
    hs.awaitEvent(room, bot, e -> e.path("content").path("body").asText().contains("Send !help"), wait);
    return new AdminRoom(hs, user, room, bot, wait);
  }

  /** Sends {@code command} and returns the bot's next notice. */
  public String ask(String command) {
    Set<String> before = new HashSet<>();
    hs.timeline(room).forEach(e -> before.add(e.path("event_id").asText()));
    user.send(room, command);
    JsonNode reply = hs.awaitEvent(room, bot, e -> "m.notice".equals(e.path("content").path("msgtype").asText())
        && !before.contains(e.path("event_id").asText())
        && !e.path("content").path("body").asText().contains("Send !help"), wait);
    return reply.path("content").path("body").asText();
  }
}
