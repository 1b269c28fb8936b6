package dev.switchboard.xmpp.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.connector.RemoteUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

/** A MUC message is done when the MUC reflects it, and unavailable (sent again) when it does not or the stream drops. */
class ReflectionsTest {
  private static final EntityBareJid MUC = JidCreate.entityBareFromOrThrowUnchecked("dev@muc.localhost");
  private static final FullJid ALICE = JidCreate.fullFromOrThrowUnchecked("alice_hs@xmpp.localhost/bridge");
  private static final FullJid LISTENER = JidCreate.fullFromOrThrowUnchecked("_bridge@xmpp.localhost/listener");

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  /** The fake component: what was written, each write done at once (bytes handed to the kernel). */
  private final List<Message> written = new ArrayList<>();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private CompletableFuture<Void> write(Message m) {
    written.add(m);
    return CompletableFuture.completedFuture(null);
  }

  private Reflections reflections(Duration timeout) {
    return new Reflections(scheduler, Runnable::run, timeout);
  }

  @Test
  void aMessageIsDoneOnlyWhenTheMucReflectsItToTheSender() {
    Reflections r = reflections(Duration.ofSeconds(15));
    CompletableFuture<Void> done = r.send(MUC, MucStanzas.groupchat(ALICE, MUC, "mx-1", "hello"), this::write);

    assertThat(written).hasSize(1);
    assertThat(done).isNotDone();
    // Another occupant's copy, and a reflection to someone else, are not ours.
    assertThat(r.onMessage(reflection("mx-1", LISTENER, "mx-1"))).isFalse();
    assertThat(r.onMessage(reflection("other", ALICE, "other"))).isFalse();
    assertThat(done).isNotDone();

    // The MUC rewrote the stanza id, kept the XEP-0359 origin-id.
    assertThat(r.onMessage(reflection("prosody-42", ALICE, "mx-1"))).isTrue();
    assertThat(done).isCompleted();
    assertThat(r.waiting()).isZero();
  }

  @Test
  void aReflectionWithoutOriginIdMatchesByStanzaId() {
    Reflections r = reflections(Duration.ofSeconds(15));
    Message reaction = StanzaBuilder.buildMessage("mx-2").from(ALICE).to(MUC).ofType(Message.Type.groupchat).build();
    CompletableFuture<Void> done = r.send(MUC, reaction, this::write);

    assertThat(r.onMessage(reflection("mx-2", ALICE, null))).isTrue();
    assertThat(done).isCompleted();
  }

  @Test
  void anErrorBounceIsAnAnswerToo() {
    Reflections r = reflections(Duration.ofSeconds(15));
    CompletableFuture<Void> done = r.send(MUC, MucStanzas.groupchat(ALICE, MUC, "mx-3", "hi"), this::write);
    Message bounce = StanzaBuilder.buildMessage("mx-3").from(MUC).to(ALICE).ofType(Message.Type.error).build();

    assertThat(r.onMessage(bounce)).isTrue();
    assertThat(done).isCompleted();
  }

  @Test
  void noReflectionWithinTheBoundFailsAsUnavailable() {
    Reflections r = reflections(Duration.ofMillis(200));
    CompletableFuture<Void> done = r.send(MUC, MucStanzas.groupchat(ALICE, MUC, "mx-4", "swallowed"), this::write);

    await().atMost(Duration.ofSeconds(5)).until(done::isDone);
    assertThat(done).failsWithin(Duration.ZERO).withThrowableOfType(Exception.class)
        .havingCause().isInstanceOf(RemoteUnavailableException.class);
    assertThat(r.waiting()).isZero();
    // A late reflection finds nothing to complete.
    assertThat(r.onMessage(reflection("mx-4", ALICE, "mx-4"))).isFalse();
  }

  @Test
  void aLostStreamFailsEveryWaitingMessageAsUnavailable() {
    Reflections r = reflections(Duration.ofSeconds(15));
    CompletableFuture<Void> one = r.send(MUC, MucStanzas.groupchat(ALICE, MUC, "mx-5", "a"), this::write);
    CompletableFuture<Void> two = r.send(MUC, MucStanzas.groupchat(LISTENER, MUC, "mx-6", "b"), this::write);

    r.onDisconnected();

    for (CompletableFuture<Void> f : List.of(one, two)) {
      assertThat(f).failsWithin(Duration.ZERO).withThrowableOfType(Exception.class)
          .havingCause().isInstanceOf(RemoteUnavailableException.class);
    }
    assertThat(r.waiting()).isZero();
  }

  @Test
  void aFailedWriteFailsTheDeliveryAndLeavesNothingWaiting() {
    Reflections r = reflections(Duration.ofSeconds(15));
    CompletableFuture<Void> done = r.send(MUC, MucStanzas.groupchat(ALICE, MUC, "mx-7", "a"),
        m -> CompletableFuture.failedFuture(new RemoteUnavailableException("stream down")));

    assertThat(done).isCompletedExceptionally();
    assertThat(r.waiting()).isZero();
  }

  @Test
  void theSameMessageSentAgainWhileWaitingIsAnsweredByOneReflection() {
    Reflections r = reflections(Duration.ofSeconds(15));
    CompletableFuture<Void> first = r.send(MUC, MucStanzas.groupchat(ALICE, MUC, "mx-8", "a"), this::write);
    CompletableFuture<Void> again = r.send(MUC, MucStanzas.groupchat(ALICE, MUC, "mx-8", "a"), this::write);

    assertThat(r.onMessage(reflection("mx-8", ALICE, "mx-8"))).isTrue();
    assertThat(first).isCompleted();
    assertThat(again).isCompleted();
  }

  /** What the MUC sends to occupant {@code to}: from the sender's occupant JID, with the given ids. */
  private static Message reflection(String stanzaId, FullJid to, String originId) {
    Message m = StanzaBuilder.buildMessage(stanzaId).from(JidCreate.fullFromOrThrowUnchecked(MUC + "/Alice")).to(to)
        .ofType(Message.Type.groupchat).setBody("x").build();
    if (originId != null) {
      m.addExtension(org.jivesoftware.smack.packet.StandardExtensionElement.builder("origin-id", MucStanzas.SID_NS)
          .addAttribute("id", originId).build());
    }
    return m;
  }
}
