package dev.switchboard.app;

import static dev.switchboard.app.HubFixture.CHANNEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.Fixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.jivesoftware.smack.packet.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volume through a hub room (issue 9): 1,000 lines from IRC and 1,000 from XMPP, sent at the same time, each arrive
 * on the other network exactly once and in order, Matrix holds each once, and nothing comes back to where it
 * started.
 */
class HubRoomVolumeTest {
  private static final int N = 1000;
  private static final Duration VOLUME_WAIT = Duration.ofMinutes(3);

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<HubFixture> f = Fixture.of(() -> HubFixture.start(dir));

  private static List<String> numbered(String prefix) {
    return IntStream.rangeClosed(1, N).mapToObj(i -> prefix + "-%04d".formatted(i)).toList();
  }

  @Test
  void aThousandLinesEachWayArriveOnceInOrderWithNoLoops() throws Exception {
    List<String> fromIrc = numbered("irc");
    List<String> fromXmpp = numbered("xmpp");

    Thread ircSide = new Thread(() -> {
      try {
        for (String line : fromIrc) {
          f.get().dave.say(CHANNEL, line);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "dave-sends");
    ircSide.start();
    for (String line : fromXmpp) {
      f.get().carolSays(line);
    }
    ircSide.join();

    await().atMost(VOLUME_WAIT).until(() -> carolGotFromDave().size() >= N && daveGotFromCarol().size() >= N);
    // Settle: a duplicate would trail its original; one more line each way, once through, leaves no room for one.
    f.get().dave.say(CHANNEL, "irc-end");
    f.get().carolSays("xmpp-end");
    f.get().carolAwaits("dave[irc]", "irc-end");
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "xmpp-end", HubFixture.WAIT);

    // 0 loops: carol's lines reach her only as the MUC's own echo, dave's never come back to IRC ...
    assertThat(f.get().carolGot.stream().filter(m -> m.getBody() != null && m.getBody().startsWith("xmpp-"))
        .filter(m -> !m.getFrom().getResourceOrEmpty().toString().equals("carol")).map(Message::getBody)).isEmpty();
    assertThat(f.get().dave.messagesTo(CHANNEL)).noneMatch(l -> l.contains(": irc-"));
    // ... and Matrix has each line once, from its author's ghost.
    List<JsonNode> messages = f.get().hs.timeline(f.get().room).stream()
        .filter(e -> "m.room.message".equals(e.path("type").asText())).toList();
    assertThat(messages.stream().map(e -> e.path("content").path("body").asText())
        .filter(b -> b.startsWith("irc-0") || b.startsWith("irc-1"))).containsExactlyElementsOf(fromIrc);
    assertThat(messages.stream().map(e -> e.path("content").path("body").asText())
        .filter(b -> b.startsWith("xmpp-0") || b.startsWith("xmpp-1"))).containsExactlyElementsOf(fromXmpp);
    assertThat(messages).allSatisfy(e -> assertThat(e.path("sender").asText())
        .startsWith(e.path("content").path("body").asText().startsWith("irc-") ? "@_irc_test_dave" : "@_xmpp_"));
    // 0 lost, 0 duplicated, in order (Matrix first: it tells which half of the way lost the order, if any).
    assertThat(carolGotFromDave()).containsExactlyElementsOf(fromIrc);
    assertThat(daveGotFromCarol()).containsExactlyElementsOf(fromXmpp);
  }

  private List<String> carolGotFromDave() {
    return f.get().carolGot.stream().filter(m -> m.getFrom() != null
            && m.getFrom().getResourceOrEmpty().toString().equals("dave[irc]"))
        .map(Message::getBody).filter(b -> b != null && b.startsWith("irc-") && !b.equals("irc-end")).toList();
  }

  private List<String> daveGotFromCarol() {
    return f.get().dave.messagesTo(CHANNEL).stream().filter(l -> l.startsWith("carol[xmpp]: xmpp-"))
        .map(l -> l.substring("carol[xmpp]: ".length())).filter(b -> !b.equals("xmpp-end")).toList();
  }
}
