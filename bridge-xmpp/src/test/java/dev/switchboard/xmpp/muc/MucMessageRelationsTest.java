package dev.switchboard.xmpp.muc;

import static dev.switchboard.xmpp.MucFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.message.Retraction;
import java.nio.file.Path;
import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;

/** Messages that refer to other messages: XEP-0308 corrections ↔ edits, XEP-0424 retractions ↔ redactions. */
class MucMessageRelationsTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));
  private TestUser alice;
  private String room;

  @BeforeEach
  void start() throws Exception {
    alice = f.get().hs.user("alice");
    room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
  }

  private void bobSends(String id, String body, org.jivesoftware.smack.packet.ExtensionElement... extensions)
      throws Exception {
    var builder = StanzaBuilder.buildMessage(id).to(JidCreate.entityBareFrom(f.get().muc()))
        .ofType(Message.Type.groupchat)
        .setBody(body);
    for (var e : extensions) {
      builder.addExtension(e);
    }
    f.get().bob.send(builder.build());
  }

  private JsonNode bobsEvent(String body) {
    return f.get().hs.awaitEvent(room, f.get().ghostOf("bob"),
        e -> body.equals(e.path("content").path("body").asText()), WAIT);
  }

  /** The message as bob's client got it from the MUC. */
  private Message bobReceived(String body) {
    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> body.equals(m.getBody())
        && m.getType() == Message.Type.groupchat && MUCUser.from(m) == null));
    return f.get().bob.messages.stream().filter(m -> body.equals(m.getBody())).findFirst().orElseThrow();
  }

  private static Optional<String> stanzaIdOf(Message m, String by) {
    return MucStanzas.stanzaIdBy(m, JidCreate.entityBareFromOrThrowUnchecked(by));
  }

  @Test
  void anXmppCorrectionBecomesAnEditOfTheBridgedMessage() throws Exception {
    bobSends("orig-1", "helo wrold");
    JsonNode original = bobsEvent("helo wrold");

    bobSends("fix-1", "hello world", new MessageCorrectExtension("orig-1"));

    JsonNode edit = bobsEvent("* hello world");
    assertThat(edit.path("content").path("m.relates_to").path("rel_type").asText()).isEqualTo("m.replace");
    assertThat(edit.path("content").path("m.relates_to").path("event_id").asText())
        .isEqualTo(original.path("event_id").asText());
    assertThat(edit.path("content").path("m.new_content").path("body").asText()).isEqualTo("hello world");
    f.get().hs.assertNoSchemaViolations();
  }

  /**
   * With the homeserver slow, lines said while the room is behind are sent as one event; a correction of one of
   * them must not replace the whole event with the one corrected line, so it is posted as a new line.
   */
  @Test
  void aCorrectionOfALineMergedWithOthersIsPostedAsANewLine() throws Exception {
    f.get().hs.faults().next(3).matching("/send/m\\.room\\.message/").delay(java.time.Duration.ofMillis(500));
    bobSends("line-1", "one");
    Thread.sleep(150); // "one" is in flight: the room is behind while the next two arrive
    bobSends("line-2", "two");
    bobSends("line-3", "three");
    JsonNode single = bobsEvent("one");
    JsonNode merged = bobsEvent("two\nthree");

    bobSends("fix-3", "three!", new MessageCorrectExtension("line-3"));
    JsonNode corrected = bobsEvent("three!");
    assertThat(corrected.path("content").has("m.relates_to")).isFalse();
    bobSends("fix-1", "one!", new MessageCorrectExtension("line-1"));
    JsonNode edit = bobsEvent("* one!");

    assertThat(edit.path("content").path("m.relates_to").path("event_id").asText())
        .isEqualTo(single.path("event_id").asText());
    assertThat(f.get().hs.timeline(room)).noneMatch(e -> merged.path("event_id").asText()
        .equals(e.path("content").path("m.relates_to").path("event_id").asText()));
    f.get().hs.assertNoSchemaViolations();
  }

  @Test
  void anXmppRetractionRedactsTheBridgedMessage() throws Exception {
    bobSends("oops-1", "oops");
    JsonNode original = bobsEvent("oops");
    String stanzaId = stanzaIdOf(bobReceived("oops"), f.get().muc()).orElseThrow();

    bobSends("retract-1", "/me retracted a message", new Retraction(stanzaId));

    await().atMost(WAIT).until(() -> f.get().hs.timeline(room).stream().anyMatch(e -> "m.room.redaction".equals(
        e.path("type").asText()) && original.path("event_id").asText().equals(e.path("redacts").asText()
        .isEmpty() ? e.path("content").path("redacts").asText() : e.path("redacts").asText())));
    assertThat(f.get().hs.timeline(room)).noneMatch(e -> e.path("content").path("body").asText().contains("retracted"));
  }

  @Test
  void aMatrixEditBecomesAnXmppCorrection() {
    String original = alice.send(room, "helo");
    Message first = bobReceived("helo");

    ObjectNode edit = JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", "* hello");
    edit.putObject("m.new_content").put("msgtype", "m.text").put("body", "hello");
    edit.putObject("m.relates_to").put("rel_type", "m.replace").put("event_id", original);
    alice.sendEvent(room, "m.room.message", edit);

    Message correction = bobReceived("hello");
    assertThat(MessageCorrectExtension.from(correction)).isNotNull();
    assertThat(MessageCorrectExtension.from(correction).getIdInitialMessage()).isEqualTo(first.getStanzaId());
  }

  @Test
  void aMatrixRedactionBecomesAnXmppRetractionOfTheMucsStanzaId() {
    String original = alice.send(room, "oops");
    Message first = bobReceived("oops");
    String stanzaId = stanzaIdOf(first, f.get().muc()).orElseThrow();

    alice.redact(room, original, "typo");

    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> Retraction.targetOf(m)
        .filter(stanzaId::equals).isPresent()));
  }
}
