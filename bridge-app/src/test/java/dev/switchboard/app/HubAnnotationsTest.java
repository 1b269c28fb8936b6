package dev.switchboard.app;

import static dev.switchboard.app.HubFixture.CHANNEL;
import static dev.switchboard.app.HubFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.xmpp.message.Reactions;
import dev.switchboard.xmpp.message.Retraction;
import java.nio.file.Path;
import java.util.Set;
import org.jivesoftware.smack.packet.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reactions and retractions across the links of a hub room (issue 9): an XMPP reaction (XEP-0444) becomes an
 * {@code m.reaction} on the right event and then the IRC reaction line; an XMPP retraction (XEP-0424) becomes a
 * Matrix redaction and then the IRC deletion notice.
 */
class HubAnnotationsTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<HubFixture> f = Fixture.of(() -> HubFixture.start(dir));

  private JsonNode awaitFromXmppGhost(String type, java.util.function.Predicate<JsonNode> match) {
    String ghost = f.get().roomMessages("hi all").get(0).path("sender").asText();
    return f.get().hs.awaitEvent(f.get().room, ghost, e -> type.equals(e.path("type").asText()) && match.test(e), WAIT);
  }

  @Test
  void anXmppReactionToAnIrcLineReachesMatrixOnThatLineAndIrcNamingItsAuthor() throws Exception {
    f.get().carolSays("hi all"); // carol speaks first, so her IRC puppet exists (hub.foreign_members: speakers)
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "hi all", WAIT);
    f.get().dave.say(CHANNEL, "who wants cake?");
    Message cake = f.get().carolAwaits("dave[irc]", "who wants cake?");
    await().atMost(WAIT).until(() -> !f.get().roomMessages("who wants cake?").isEmpty());
    JsonNode daveEvent = f.get().roomMessages("who wants cake?").get(0);

    f.get().carolSends(new Reactions(HubFixture.stanzaIdOf(cake), Set.of("🍰")));

    JsonNode reaction = awaitFromXmppGhost("m.reaction", e -> true);
    assertThat(reaction.path("content").path("m.relates_to").path("event_id").asText())
        .isEqualTo(daveEvent.path("event_id").asText());
    assertThat(reaction.path("content").path("m.relates_to").path("key").asText()).isEqualTo("🍰");
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "\u0001ACTION reacted 🍰 to dave\u0001", WAIT);
  }

  @Test
  void anXmppRetractionBecomesAMatrixRedactionAndTheIrcDeletionNotice() throws Exception {
    f.get().carolSays("hi all");
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "hi all", WAIT);
    f.get().carolSays("oops, wrong room");
    Message own = f.get().carolAwaits("carol", "oops, wrong room");
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "oops, wrong room", WAIT);
    JsonNode carolEvent = f.get().roomMessages("oops, wrong room").get(0);

    f.get().carolSends(new Retraction(HubFixture.stanzaIdOf(own)));

    JsonNode redaction = awaitFromXmppGhost("m.room.redaction", e -> carolEvent.path("event_id").asText()
        .equals(e.path("redacts").asText(e.path("content").path("redacts").asText())));
    assertThat(redaction).isNotNull();
    f.get().dave.awaitLine(
        l -> l.startsWith(":carol[xmpp]!") && l.contains("NOTICE " + CHANNEL + " :(deleted a message)"), WAIT);
  }
}
