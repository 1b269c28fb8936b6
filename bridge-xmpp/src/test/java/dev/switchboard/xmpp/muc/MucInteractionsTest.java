package dev.switchboard.xmpp.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.message.ChatMarkers;
import dev.switchboard.xmpp.message.Reactions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.chatstates.ChatState;
import org.jivesoftware.smackx.chatstates.packet.ChatStateExtension;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;

/** Reactions, typing and read markers between a Prosody MUC and its portal, both ways, each arriving once. */
class MucInteractionsTest {
  private static final Duration WAIT = MucFixture.WAIT;

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
    // alice speaks once, so she has an occupant (typing and markers never make anyone join).
    alice.send(room, "hello");
    bobReceived("hello");
  }

  private void bobSends(String id, String body, ExtensionElement... extensions) throws Exception {
    var builder = StanzaBuilder.buildMessage(id).to(JidCreate.entityBareFrom(f.get().muc()))
        .ofType(Message.Type.groupchat);
    if (body != null) {
      builder.setBody(body);
    }
    for (ExtensionElement e : extensions) {
      builder.addExtension(e);
    }
    f.get().bob.send(builder.build());
  }

  private Message bobReceived(String body) {
    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> body.equals(m.getBody())
        && m.getType() == Message.Type.groupchat && MUCUser.from(m) == null));
    return f.get().bob.messages.stream().filter(m -> body.equals(m.getBody())).findFirst().orElseThrow();
  }

  private String sidOf(Message m) {
    return MucStanzas.stanzaIdBy(m, JidCreate.entityBareFromOrThrowUnchecked(f.get().muc())).orElseThrow();
  }

  /** Reactions bob's client got from alice's occupant, as sets, in order. */
  private List<Set<String>> reactionsFromAlice(String targetSid) {
    return f.get().bob.messages.stream().filter(m -> m.getFrom().toString().equals(f.get().muc() + "/alice"))
        .map(Reactions::from).flatMap(Optional::stream).filter(r -> r.id().equals(targetSid))
        .map(Reactions::reactions).toList();
  }

  private List<JsonNode> reactionsOf(String sender) {
    return f.get().hs.timeline(room).stream().filter(e -> "m.reaction".equals(e.path("type").asText())
        && sender.equals(e.path("sender").asText())).toList();
  }

  @Test
  void aMatrixReactionAndItsRedactionBecomeXmppReactionSets() throws Exception {
    bobSends("b1", "react to me");
    JsonNode bobsEvent = f.get().hs.awaitEvent(room, f.get().ghostOf("bob"),
        e -> "react to me".equals(e.path("content").path("body").asText()), WAIT);
    String sid = sidOf(bobReceived("react to me"));

    String thumbs = alice.sendEvent(room, "m.reaction", new ObjectMapper().readTree("""
        {"m.relates_to": {"rel_type": "m.annotation", "event_id": "%s", "key": "👍"}}
        """.formatted(bobsEvent.path("event_id").asText())));
    await().atMost(WAIT).until(() -> reactionsFromAlice(sid).contains(Set.of("👍")));
    alice.sendEvent(room, "m.reaction", new ObjectMapper().readTree("""
        {"m.relates_to": {"rel_type": "m.annotation", "event_id": "%s", "key": "🎉"}}
        """.formatted(bobsEvent.path("event_id").asText())));
    await().atMost(WAIT).until(() -> reactionsFromAlice(sid).contains(Set.of("👍", "🎉")));
    alice.redact(room, thumbs, null);

    await().atMost(WAIT).until(() -> reactionsFromAlice(sid).size() == 3);
    assertThat(reactionsFromAlice(sid)).containsExactly(Set.of("👍"), Set.of("👍", "🎉"), Set.of("🎉"));
    f.get().hs.assertNoSchemaViolations();
  }

  @Test
  void xmppReactionSetsBecomeMatrixReactionsAndWithdrawnOnesAreRedacted() throws Exception {
    String aliceEvent = alice.send(room, "react to this");
    String sid = sidOf(bobReceived("react to this"));

    bobSends("r1", null, new Reactions(sid, Set.of("❤")));
    await().atMost(WAIT).until(() -> reactionsOf(f.get().ghostOf("bob")).size() == 1);
    JsonNode heart = reactionsOf(f.get().ghostOf("bob")).get(0);
    assertThat(heart.path("content").path("m.relates_to").path("event_id").asText()).isEqualTo(aliceEvent);
    assertThat(heart.path("content").path("m.relates_to").path("key").asText()).isEqualTo("❤");

    bobSends("r2", null, new Reactions(sid, Set.of("❤", "👀")));
    await().atMost(WAIT).until(() -> reactionsOf(f.get().ghostOf("bob")).size() == 2);
    bobSends("r3", null, new Reactions(sid, Set.of("👀")));
    await().atMost(WAIT).until(() -> f.get().hs.timeline(room).stream().anyMatch(e -> "m.room.redaction".equals(
        e.path("type").asText()) && heart.path("event_id").asText().equals(e.path("redacts").asText())));
    Thread.sleep(500);
    assertThat(reactionsOf(f.get().ghostOf("bob")).stream().filter(e -> "👀".equals(e.path("content")
        .path("m.relates_to").path("key").asText()))).hasSize(1);
    f.get().hs.assertNoSchemaViolations();
  }

  @Test
  void typingGoesBothWays() throws Exception {
    alice.typing(room, true);
    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> m.getFrom().toString()
        .equals(f.get().muc() + "/alice") && m.getExtension(ChatStateExtension.NAMESPACE) != null
        && "composing".equals(m.getExtension(ChatStateExtension.NAMESPACE).getElementName())));
    alice.typing(room, false);
    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> m.getFrom().toString()
        .equals(f.get().muc() + "/alice") && m.getExtension(ChatStateExtension.NAMESPACE) != null
        && "active".equals(m.getExtension(ChatStateExtension.NAMESPACE).getElementName())));

    bobSends("t1", null, new ChatStateExtension(ChatState.composing));
    await().atMost(WAIT).until(() -> f.get().hs.requests("PUT", ".*/typing/.*").stream()
        .anyMatch(r -> f.get().ghostOf("bob").equals(r.userId()) && r.body().path("typing").asBoolean()));
  }

  @Test
  void readMarkersGoBothWays() throws Exception {
    bobSends("m1", "read me");
    JsonNode bobsEvent = f.get().hs.awaitEvent(room, f.get().ghostOf("bob"),
        e -> "read me".equals(e.path("content").path("body").asText()), WAIT);
    String bobsSid = sidOf(bobReceived("read me"));

    alice.readReceipt(room, bobsEvent.path("event_id").asText());
    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> m.getFrom().toString()
        .equals(f.get().muc() + "/alice") && ChatMarkers.displayedId(m).equals(Optional.of(bobsSid))));

    String aliceEvent = alice.send(room, "did you read this");
    String aliceSid = sidOf(bobReceived("did you read this"));
    bobSends("m2", null, ChatMarkers.displayed(aliceSid));
    await().atMost(WAIT).until(() -> f.get().hs.requests("POST", ".*/receipt/.*").stream()
        .anyMatch(r -> f.get().ghostOf("bob").equals(r.userId()) && r.decodedPath().contains(aliceEvent)));
  }
}
