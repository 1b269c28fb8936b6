package dev.switchboard.xmpp.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.message.ChatMarkers;
import dev.switchboard.xmpp.message.Reactions;
import dev.switchboard.xmpp.message.Retraction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.chatstates.ChatState;
import org.jivesoftware.smackx.chatstates.packet.ChatStateExtension;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.parts.Resourcepart;

/** Reactions, retractions, typing and read markers in a gateway room, both ways, with a real client on Prosody. */
class GatewayInteractionsTest {
  private static final Duration WAIT = MucFixture.WAIT;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));
  private XmppClient dave;
  private TestUser alice;
  private String room;
  private EntityBareJid hall;

  @BeforeEach
  void start() throws Exception {
    alice = f.get().hs.user("alice");
    room = alice.createRoom(RoomSpec.publicRoom().alias("hall"));
    dave = XmppClient.login(f.get().prosody, "dave");
    hall = new GatewayJids(ProsodyServer.COMPONENT).jidOf(RoomAlias.of("#hall:" + f.get().hs.serverName()));
    MultiUserChat muc = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(hall);
    muc.join(muc.getEnterConfigurationBuilder(Resourcepart.from("dave")).timeoutAfter(WAIT.toMillis()).build());
    f.get().awaitMembership(room, daveGhost(), "join");
  }

  @AfterEach
  void stop() {
    if (dave != null) {
      dave.close();
    }
  }

  private String daveGhost() {
    return "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();
  }

  @Test
  void reactionsAndRetractionsGoBothWays() throws Exception {
    String aliceEvent = alice.send(room, "react to this");
    await().atMost(WAIT).until(() -> fromAlice().stream().anyMatch(m -> "react to this".equals(m.getBody())));

    // XMPP -> Matrix: dave's set, named by the stanza-id (the event id); a dropped emoji is redacted.
    daveSends(null, new Reactions(aliceEvent, Set.of("❤")));
    await().atMost(WAIT).until(() -> reactionsOf(daveGhost()).size() == 1);
    JsonNode heart = reactionsOf(daveGhost()).get(0);
    assertThat(heart.path("content").path("m.relates_to").path("event_id").asText()).isEqualTo(aliceEvent);
    assertThat(heart.path("content").path("m.relates_to").path("key").asText()).isEqualTo("❤");
    daveSends(null, new Reactions(aliceEvent, Set.of("👀")));
    await().atMost(WAIT).until(() -> redacted(heart.path("event_id").asText())
        && reactionsOf(daveGhost()).size() == 2);
    Thread.sleep(500); // a doubled reaction would show up here
    // The redacted ❤ keeps no content; what stands is 👀, once.
    assertThat(reactionsOf(daveGhost())).extracting(e -> e.path("content").path("m.relates_to").path("key")
        .asText()).containsExactly("", "👀");

    // Matrix -> XMPP: alice's current set, from her occupant.
    String thumbs = alice.sendEvent(room, "m.reaction", JSON.readTree("""
        {"m.relates_to": {"rel_type": "m.annotation", "event_id": "%s", "key": "👍"}}""".formatted(aliceEvent)));
    await().atMost(WAIT).until(() -> aliceReactions(aliceEvent).contains(Set.of("👍")));
    alice.redact(room, thumbs, null);
    await().atMost(WAIT).until(() -> aliceReactions(aliceEvent).contains(Set.of()));

    // XMPP -> Matrix retraction of dave's own message; one of someone else's is refused.
    daveSends("take this back", null);
    JsonNode daves = f.get().hs.awaitEvent(room, daveGhost(), e -> "take this back".equals(e.path("content")
        .path("body").asText()), WAIT);
    daveSends(null, new Retraction(daves.path("event_id").asText()));
    await().atMost(WAIT).until(() -> redacted(daves.path("event_id").asText()));
    daveSends(null, new Retraction(aliceEvent));

    // Matrix -> XMPP: alice redacts her own message: a retraction from her occupant.
    alice.redact(room, aliceEvent, null);
    await().atMost(WAIT).until(() -> fromAlice().stream().anyMatch(m -> Retraction.targetOf(m)
        .equals(Optional.of(aliceEvent))));
    assertThat(f.get().hs.timeline(room).stream().filter(e -> "m.room.redaction".equals(e.path("type").asText())
        && aliceEvent.equals(e.path("redacts").asText()) && daveGhost().equals(e.path("sender").asText())))
        .isEmpty();
  }

  @Test
  void typingAndReadMarkersGoBothWays() throws Exception {
    daveSends(null, new ChatStateExtension(ChatState.composing));
    await().atMost(WAIT).until(() -> f.get().hs.requests("PUT", ".*/typing/.*").stream()
        .anyMatch(r -> daveGhost().equals(r.userId()) && r.body().path("typing").asBoolean()));

    alice.send(room, "hello dave"); // alice is a member the room shows to dave
    await().atMost(WAIT).until(() -> fromAlice().stream().anyMatch(m -> "hello dave".equals(m.getBody())));
    alice.typing(room, true);
    await().atMost(WAIT).until(() -> fromAlice().stream().anyMatch(m -> chatState(m) == ChatState.composing));
    alice.typing(room, false);
    await().atMost(WAIT).until(() -> fromAlice().stream().anyMatch(m -> chatState(m) == ChatState.active));

    daveSends("read this", null);
    JsonNode daves = f.get().hs.awaitEvent(room, daveGhost(), e -> "read this".equals(e.path("content").path("body")
        .asText()), WAIT);
    String daveEvent = daves.path("event_id").asText();
    alice.readReceipt(room, daveEvent);
    await().atMost(WAIT).until(() -> fromAlice().stream().anyMatch(m -> ChatMarkers.displayedId(m)
        .equals(Optional.of(daveEvent))));

    String aliceEvent = alice.send(room, "and this");
    await().atMost(WAIT).until(() -> fromAlice().stream().anyMatch(m -> "and this".equals(m.getBody())));
    daveSends(null, ChatMarkers.displayed(aliceEvent));
    await().atMost(WAIT).until(() -> f.get().hs.requests("POST", ".*/receipt/.*").stream()
        .anyMatch(r -> daveGhost().equals(r.userId()) && r.path().contains(aliceEvent.replace("$", "%24"))
            || daveGhost().equals(r.userId()) && r.path().contains(aliceEvent)));
  }

  private void daveSends(String body, ExtensionElement extension) throws Exception {
    MessageBuilder b = StanzaBuilder.buildMessage().to(hall).ofType(Message.Type.groupchat);
    if (body != null) {
      b.setBody(body);
    }
    if (extension != null) {
      b.addExtension(extension);
    }
    dave.send(b.build());
  }

  private List<Message> fromAlice() {
    return dave.messages.stream().filter(m -> m.getType() == Message.Type.groupchat && m.getFrom() != null
        && m.getFrom().toString().equals(hall + "/alice")).toList();
  }

  private List<Set<String>> aliceReactions(String target) {
    return fromAlice().stream().map(Reactions::from).flatMap(Optional::stream)
        .filter(r -> r.id().equals(target)).map(Reactions::reactions).toList();
  }

  private static ChatState chatState(Message m) {
    ExtensionElement e = m.getExtension(ChatStateExtension.NAMESPACE);
    try {
      return e == null ? null : ChatState.valueOf(e.getElementName());
    } catch (IllegalArgumentException unknown) {
      return null;
    }
  }

  private List<JsonNode> reactionsOf(String sender) {
    return f.get().hs.timeline(room).stream().filter(e -> "m.reaction".equals(e.path("type").asText())
        && sender.equals(e.path("sender").asText())).toList();
  }

  private boolean redacted(String eventId) {
    return f.get().hs.timeline(room).stream().anyMatch(e -> "m.room.redaction".equals(e.path("type").asText())
        && eventId.equals(e.path("redacts").asText()));
  }
}
