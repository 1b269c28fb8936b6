package dev.switchboard.xmpp.muc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.address.MatrixUserJids;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.FullJid;
import org.jxmpp.jid.impl.JidCreate;

/** Which raw elements are a MUC's copies for our users' occupants that no one reads, judged before any parse. */
class OccupantCopiesTest {
  private static final String DOMAIN = "xmpp.localhost";
  private static final EntityBareJid MUC = JidCreate.entityBareFromOrThrowUnchecked("dev@muc.localhost");
  private static final MatrixUserJids USERS = new MatrixUserJids(DOMAIN);
  private static final String ALICE = USERS.jidOf(UserId.of("@alice:hs.test")) + "/bridge";

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final Reflections reflections = new Reflections(scheduler, Runnable::run, Duration.ofSeconds(15));
  private final OccupantCopies copies = new OccupantCopies(USERS, new GatewayJids(DOMAIN), reflections);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private static String groupchat(String to, String body) {
    return "<message from='dev@muc.localhost/bob' to='" + to + "' type='groupchat' id='p1'><body>" + body
        + "</body></message>";
  }

  @Test
  void anotherOccupantsMessageCopiedToAMatrixUserIsUnneeded() {
    assertThat(copies.unneeded(groupchat(ALICE, "hi"))).isTrue();
    assertThat(copies.unneeded(groupchat(USERS.jidOf(UserId.of("@alice:hs.test")).toString(), "bare"))).isTrue();
    // Attribute order, double quotes, spaces around = and a namespace declaration do not matter.
    assertThat(copies.unneeded("<message type=\"groupchat\" xmlns='jabber:component:accept' to = \"" + ALICE
        + "\" from='dev@muc.localhost/bob'><body>x</body></message>")).isTrue();
  }

  @Test
  void theListenersCopyAndEverythingElseIsParsed() {
    assertThat(copies.unneeded(groupchat("_bridge@" + DOMAIN + "/listener", "the one that is bridged"))).isFalse();
    // What an XMPP occupant says in a gateway room: its address reads as a user id ("@#lobby:hs.test") too.
    String lobby = new GatewayJids(DOMAIN).jidOf(RoomAlias.of("#lobby:hs.test")).toString();
    assertThat(USERS.userOf(JidCreate.fromOrThrowUnchecked(lobby))).isPresent();
    assertThat(copies.unneeded(groupchat(lobby, "to a gateway room"))).isFalse();
    assertThat(copies.unneeded(groupchat(lobby + "/dave", "to a gateway occupant"))).isFalse();
    assertThat(copies.unneeded(groupchat("alice@elsewhere.test/res", "not our domain"))).isFalse();
    assertThat(copies.unneeded(groupchat(ALICE, "x").replace("groupchat", "chat"))).isFalse();
    assertThat(copies.unneeded(groupchat(ALICE, "x").replace("groupchat", "error"))).isFalse();
    assertThat(copies.unneeded("<presence from='dev@muc.localhost/bob' to='" + ALICE + "' type='groupchat'/>"))
        .isFalse();
    assertThat(copies.unneeded("<iq to='" + ALICE + "' type='get' id='1'/>")).isFalse();
  }

  @Test
  void oddOrHostileStartTagsAreLeftToTheParser() {
    for (String xml : new String[] {
        "<message", "<message>", "<message/>", "<messages to='" + ALICE + "' type='groupchat'/>",
        "<message to='" + ALICE + "'><body>no type</body></message>",
        "<message type='groupchat'><body>no to</body></message>",
        "<message to=" + ALICE + " type=groupchat/>", "<message to='" + ALICE + " type='groupchat'",
        "<message to='alice_hs.test&#64;" + DOMAIN + "' type='groupchat'/>",
        "<message to='" + ALICE + "' type='groupchat' broken", "<message to='' type='groupchat'/>",
        "<cl:message xmlns:cl='jabber:client' to='" + ALICE + "' type='groupchat'/>",
        "<message to='a@@b' type='groupchat'/>", "<message to='" + ALICE + "' to='" + ALICE + "' type='groupchat'/>", "<message =  'x' to='" + ALICE + "' type='groupchat'/>"}) {
      assertThat(copies.unneeded(xml)).as(xml).isFalse();
    }
  }

  @Test
  void theStartTagAloneIsEnoughAndTheAnswerHoldsPastThousandsOfAddresses() {
    String startTag = "<message from='dev@muc.localhost/bob' to='" + ALICE + "' type='groupchat' id='p1'>";
    assertThat(copies.unneeded(startTag)).isTrue();
    // A server naming ever new addresses: the remembered answers start again, and stay right.
    for (int i = 0; i < 10_000; i++) {
      String user = USERS.jidOf(UserId.of("@u" + i + ":hs.test")) + "/bridge";
      assertThat(copies.unneeded("<message to='" + user + "' type='groupchat'>")).isTrue();
      assertThat(copies.unneeded("<message to='u" + i + "@elsewhere.test' type='groupchat'>")).isFalse();
    }
    assertThat(copies.unneeded(startTag)).isTrue();
    assertThat(copies.unneeded(groupchat("_bridge@" + DOMAIN + "/listener", "x"))).isFalse();
  }

  @Test
  void aCopyIsReadWhileItsAddresseeAwaitsTheReflectionOfItsOwnMessage() {
    FullJid alice = JidCreate.fullFromOrThrowUnchecked(ALICE);
    CompletableFuture<Void> done = reflections.send(MUC, MucStanzas.groupchat(alice, MUC, "mx-1", "hello"),
        m -> CompletableFuture.completedFuture(null));
    assertThat(copies.unneeded(groupchat(ALICE, "someone else's line, while alice waits"))).isFalse();

    Message reflection = StanzaBuilder.buildMessage("prosody-1").from(JidCreate.fullFromOrThrowUnchecked(MUC + "/alice"))
        .to(alice).ofType(Message.Type.groupchat).setBody("hello").build();
    reflection.addExtension(org.jivesoftware.smack.packet.StandardExtensionElement.builder("origin-id",
        MucStanzas.SID_NS).addAttribute("id", "mx-1").build());
    assertThat(reflections.onMessage(reflection)).isTrue();
    assertThat(done).isCompleted();
    assertThat(copies.unneeded(groupchat(ALICE, "after the reflection"))).isTrue();
  }
}
