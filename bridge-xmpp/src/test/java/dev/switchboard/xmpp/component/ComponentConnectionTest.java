package dev.switchboard.xmpp.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.connector.RemoteUnavailableException;
import dev.switchboard.testkit.fixture.XmppServerFixture;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.XmppClient;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jxmpp.jid.impl.JidCreate;

/** The component transport against a real Prosody. */
class ComponentConnectionTest {
  @RegisterExtension
  static final XmppServerFixture<ProsodyServer> prosody = XmppServerFixture.prosody();
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final List<Stanza> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger readyCount = new AtomicInteger();
  /** The start tags the connection asked about, and which of them to skip. */
  private final List<String> looks = new CopyOnWriteArrayList<>();
  private java.util.function.Predicate<String> skips = tag -> false;
  private ComponentConnection component;

  @AfterEach
  void stop() {
    if (component != null) {
      component.close();
    }
    pool.shutdownNow();
  }

  private ComponentConnection connect(String secret) {
    return connect(secret, 10_000);
  }

  private ComponentConnection connect(String secret, int maxBuffered) {
    ComponentSettings settings = ComponentSettings.of("127.0.0.1", prosody.get().componentPort(),
        ProsodyServer.COMPONENT, secret)
        .withReconnect(Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(30))
        .withIqTimeout(Duration.ofSeconds(2)).withMaxBuffered(maxBuffered);
    component = new ComponentConnection(settings, new ComponentConnection.Listener() {
      @Override
      public void onReady() {
        readyCount.incrementAndGet();
      }

      @Override
      public void onStanza(Stanza stanza) {
        received.add(stanza);
      }

      @Override
      public boolean skipsUnparsed(String startTag) {
        looks.add(startTag);
        return skips.test(startTag);
      }
    }, pool, new Random(1));
    component.start();
    return component;
  }

  private ComponentConnection connected() {
    connect(prosody.get().componentSecret());
    await().atMost(Duration.ofSeconds(10)).until(() -> component.state() == ComponentConnection.State.READY);
    return component;
  }

  @Test
  void theRightSecretCompletesTheHandshakeAndStanzasFlowBothWays() throws Exception {
    connected();
    try (XmppClient bob = XmppClient.login(prosody.get(), "bob1")) {
      bob.send(StanzaBuilder.buildMessage().to("alice@" + ProsodyServer.COMPONENT).setBody("hi component").build());
      component.send(StanzaBuilder.buildMessage().from("alice@" + ProsodyServer.COMPONENT)
          .to(bob.connection.getUser()).ofType(Message.Type.chat).setBody("hi bob <&>").build());

      await().atMost(Duration.ofSeconds(10)).until(() -> received.stream()
          .anyMatch(s -> s instanceof Message m && "hi component".equals(m.getBody())));
      await().atMost(Duration.ofSeconds(10)).until(() -> bob.messages.stream()
          .anyMatch(m -> "hi bob <&>".equals(m.getBody())));
    }
    assertThat(component.connectAttempts()).isEqualTo(1);
  }

  @Test
  void aWrongSecretIsRefusedAndNotRetriedAtOnce() throws Exception {
    connect("not-the-secret");

    await().atMost(Duration.ofSeconds(10)).until(() -> component.state() == ComponentConnection.State.REFUSED);
    Thread.sleep(1500); // several ordinary backoff periods
    assertThat(component.connectAttempts()).isEqualTo(1);
    assertThat(readyCount).hasValue(0);
  }

  @Test
  void aStanzaWeCannotParseIsDroppedAndTheStreamStays() throws Exception {
    connected();
    try (XmppClient bob = XmppClient.login(prosody.get(), "bob2")) {
      // Well-formed XML that Smack's delay provider rejects: the stanza is unreadable for us, not for Prosody.
      bob.send(StanzaBuilder.buildMessage().to("alice@" + ProsodyServer.COMPONENT).setBody("broken")
          .addExtension(StandardExtensionElement.builder("delay", "urn:xmpp:delay")
              .addAttribute("stamp", "not-a-date").build()).build());
      bob.send(StanzaBuilder.buildMessage().to("alice@" + ProsodyServer.COMPONENT).setBody("after").build());

      await().atMost(Duration.ofSeconds(10)).until(() -> received.stream()
          .anyMatch(s -> s instanceof Message m && "after".equals(m.getBody())));
    }
    assertThat(received).noneMatch(s -> s instanceof Message m && "broken".equals(m.getBody()));
    assertThat(component.connectAttempts()).isEqualTo(1);
    assertThat(readyCount).hasValue(1);
  }

  @Test
  void anElementTheListenerSkipsByItsStartTagIsNeverParsedAndTheNextOnesAre() throws Exception {
    skips = tag -> tag.contains("skip-me");
    connected();
    try (XmppClient bob = XmppClient.login(prosody.get(), "bob5")) {
      for (String id : List.of("skip-me-1", "keep-1", "skip-me-2", "keep-2")) {
        bob.send(StanzaBuilder.buildMessage(id).to("alice@" + ProsodyServer.COMPONENT).setBody("body of " + id)
            .build());
      }

      await().atMost(Duration.ofSeconds(10)).until(() -> received.stream()
          .anyMatch(s -> s instanceof Message m && "body of keep-2".equals(m.getBody())));
    }
    assertThat(received).filteredOn(s -> s instanceof Message).extracting(Stanza::getStanzaId)
        .containsExactly("keep-1", "keep-2");
    // Asked with the start tag alone, and only once the handshake was done.
    assertThat(looks).hasSize(4).allSatisfy(tag -> assertThat(tag).startsWith("<message").endsWith(">")
        .doesNotContain("body of"));
    assertThat(component.connectAttempts()).isEqualTo(1);
  }

  @Test
  void anIqRequestGetsItsAnswerAndAnUnansweredOneTimesOut() throws Exception {
    connected();
    DiscoverInfo disco = DiscoverInfo.builder("disco-1").to(JidCreate.from(ProsodyServer.MUC))
        .from(JidCreate.from(ProsodyServer.COMPONENT)).ofType(IQ.Type.get).build();

    IQ answer = component.request(disco).get(10, TimeUnit.SECONDS);
    assertThat(answer.getType()).isEqualTo(IQ.Type.result);
    assertThat(((DiscoverInfo) answer).hasIdentity("conference", "text")).isTrue();

    // An IQ to our own domain comes back to us as a request nobody answers.
    DiscoverInfo unanswered = DiscoverInfo.builder("disco-2").to(JidCreate.from("x@" + ProsodyServer.COMPONENT))
        .from(JidCreate.from(ProsodyServer.COMPONENT)).ofType(IQ.Type.get).build();
    CompletableFuture<IQ> late = component.request(unanswered, Duration.ofMillis(500));
    assertThat(late).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(TimeoutException.class);
  }

  @Test
  void stanzasSentWhileTheServerIsDownArriveAfterTheReconnect() throws Exception {
    connected();
    prosody.get().stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> component.state() != ComponentConnection.State.READY);

    // Prosody routes a message between two addresses of our own domain back to us.
    component.send(StanzaBuilder.buildMessage().from("a@" + ProsodyServer.COMPONENT)
        .to("b@" + ProsodyServer.COMPONENT).setBody("kept while down").build());
    prosody.get().startAgain();

    await().atMost(Duration.ofSeconds(20)).until(() -> received.stream()
        .anyMatch(s -> s instanceof Message m && "kept while down".equals(m.getBody())));
    assertThat(readyCount).hasValue(2);
  }

  @Test
  void aStanzaThatWouldNotParseIsDroppedAndTheStreamCarriesTheNextOnes() throws Exception {
    connected();
    try (XmppClient bob = XmppClient.login(prosody.get(), "bob3")) {
      String alice = "alice@" + ProsodyServer.COMPONENT;
      CompletableFuture<Void> controls = component.send(StanzaBuilder.buildMessage().from(alice)
          .to(bob.connection.getUser()).ofType(Message.Type.chat).setBody("a\u0001b\uFFFFc\uD800d").build());
      // An extension that writes broken XML, as a buggy builder could: no cleaning can fix it, the writer's check must.
      CompletableFuture<Void> broken = component.send(StanzaBuilder.buildMessage().from(alice)
          .to(bob.connection.getUser()).ofType(Message.Type.chat).setBody("broken")
          .addExtension(new RawExtension("<x xmlns='urn:broken'><open>")).build());
      CompletableFuture<Void> after = component.deliver(StanzaBuilder.buildMessage().from(alice)
          .to(bob.connection.getUser()).ofType(Message.Type.chat).setBody("after").build());

      assertThat(CompletableFuture.allOf(controls, broken, after)).succeedsWithin(Duration.ofSeconds(10));
      await().atMost(Duration.ofSeconds(10)).until(() -> bob.messages.stream()
          .anyMatch(m -> "after".equals(m.getBody())));
      assertThat(bob.messages).anyMatch(m -> "abcd".equals(m.getBody()))
          .noneMatch(m -> "broken".equals(m.getBody()));
    }
    assertThat(component.malformedDropped()).isEqualTo(1);
    assertThat(component.connectAttempts()).isEqualTo(1);
    assertThat(readyCount).hasValue(1);
  }

  @Test
  void whileTheStreamIsDownDeliveriesFailAndTheBufferPushesBackInsteadOfDropping() throws Exception {
    connect(prosody.get().componentSecret(), 2);
    await().atMost(Duration.ofSeconds(10)).until(() -> component.state() == ComponentConnection.State.READY);
    prosody.get().stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> component.state() != ComponentConnection.State.READY);

    String a = "a@" + ProsodyServer.COMPONENT;
    String b = "b@" + ProsodyServer.COMPONENT;
    CompletableFuture<Void> delivered = component.deliver(
        StanzaBuilder.buildMessage().from(a).to(b).setBody("for a matrix event").build());
    CompletableFuture<Void> first = component.send(StanzaBuilder.buildMessage().from(a).to(b).setBody("one").build());
    CompletableFuture<Void> second = component.send(StanzaBuilder.buildMessage().from(a).to(b).setBody("two").build());
    CompletableFuture<Void> third = component.send(StanzaBuilder.buildMessage().from(a).to(b).setBody("three").build());

    // The dispatcher holds an event whose delivery fails this way, and tries it again after the outage.
    assertThat(delivered).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(RemoteUnavailableException.class);
    assertThat(third).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(RemoteUnavailableException.class);
    assertThat(first).isNotDone(); // waiting, not reported written
    prosody.get().startAgain();

    assertThat(CompletableFuture.allOf(first, second)).succeedsWithin(Duration.ofSeconds(20));
    await().atMost(Duration.ofSeconds(10)).until(() -> received.stream()
        .filter(s -> s instanceof Message m && ("one".equals(m.getBody()) || "two".equals(m.getBody()))).count() == 2);
    assertThat(received).noneMatch(s -> s instanceof Message m
        && ("three".equals(m.getBody()) || "for a matrix event".equals(m.getBody())));
  }

  /** An extension element that writes whatever it is given, unescaped. */
  private record RawExtension(String xml) implements org.jivesoftware.smack.packet.ExtensionElement {
    @Override
    public String getNamespace() {
      return "urn:broken";
    }

    @Override
    public String getElementName() {
      return "x";
    }

    @Override
    public CharSequence toXML(org.jivesoftware.smack.packet.XmlEnvironment env) {
      return xml;
    }
  }
}
