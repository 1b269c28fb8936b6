package dev.switchboard.xmpp.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.address.MatrixUserJids;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.xhtmlim.XHTMLText;
import org.jivesoftware.smackx.xhtmlim.packet.XHTMLExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * Formatting both ways through real Prosody and Smack clients: Matrix HTML reaches XMPP as XEP-0393 styled body plus
 * an XHTML-IM body; XHTML-IM (sanitised) and styling reach Matrix as HTML. In MUC portals, gateway rooms and DMs.
 */
class FormattingFlowTest {
  private static final Duration WAIT = MucFixture.WAIT;
  private static final String MATRIX_HTML = "<strong>bold</strong> <em>it</em> <del>gone</del> <code>a&lt;b</code> "
      + "<a href=\"https://example.org/x?a=1&amp;b=2\">site</a><pre><code>line 1\n  line 2\n</code></pre>"
      + "<blockquote>quoted</blockquote>";
  private static final String STYLED = "*bold* _it_ ~gone~ `a<b` site (https://example.org/x?a=1&b=2)\n"
      + "```\nline 1\n  line 2\n```\n> quoted";

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));
  private XmppClient dave;

  @AfterEach
  void stop() {
    if (dave != null) {
      dave.close();
    }
  }

  private static ObjectNode formatted(String body, String html) {
    return JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", body)
        .put("format", "org.matrix.custom.html").put("formatted_body", html);
  }

  /** An XHTML-IM body built with Smack, with a script, an event attribute, a style and a javascript: link. */
  private static XHTMLExtension hostileXhtml() {
    XHTMLText x = new XHTMLText(null, null);
    x.appendOpenSpanTag("font-weight: bold").append("loud").appendCloseSpanTag().append(" and ");
    x.appendOpenAnchorTag("javascript:alert(1)", null).append("bad").appendCloseAnchorTag().append(" ");
    x.appendOpenAnchorTag("https://ok.example/", "color: red").append("ok").appendCloseAnchorTag();
    x.appendCloseBodyTag();
    XHTMLExtension e = new XHTMLExtension();
    // The builder has no script or event attributes: add them the way a hostile client could send them.
    e.addBody(x.toXML().toString().replace("</body>", "<script>alert(2)</script><em onclick='evil()'>e</em></body>"));
    return e;
  }

  private static final String SANITISED = "<strong>loud</strong> and bad "
      + "<a href=\"https://ok.example/\">ok</a><em>e</em>";

  private static void assertXhtml(Message m) {
    XHTMLExtension x = XHTMLExtension.from(m);
    assertThat(x).as("XHTML-IM body").isNotNull();
    assertThat(x.getBodies()).hasSize(1);
    assertThat(x.getBodies().get(0).toString()).contains("<strong>bold</strong>", "<em>it</em>",
        "<span style='text-decoration: line-through'>gone</span>", "<code>a&lt;b</code>",
        "<a href='https://example.org/x?a=1&amp;b=2'>site</a>", "<code>line 1<br/>  line 2</code>",
        "<blockquote>quoted</blockquote>");
  }

  /** A MAM query for the latest messages of a gateway room, as a client sends it. */
  private static final class MamQuery extends IQ {
    private final String queryId;

    MamQuery(EntityBareJid room, String queryId) {
      super("query", "urn:xmpp:mam:2");
      setType(Type.set);
      setTo(room);
      this.queryId = queryId;
    }

    @Override
    protected IQChildElementXmlStringBuilder getIQChildElementBuilder(IQChildElementXmlStringBuilder xml) {
      xml.attribute("queryid", queryId).rightAngleBracket();
      xml.halfOpenElement("set").xmlnsAttribute("http://jabber.org/protocol/rsm").rightAngleBracket();
      xml.element("max", "10");
      xml.emptyElement("before");
      xml.closeElement("set");
      return xml;
    }
  }

  private List<StandardExtensionElement> mamMessages(String queryId) {
    return dave.messages.stream()
        .map(m -> m.getExtensionElement("result", "urn:xmpp:mam:2"))
        .filter(e -> e instanceof StandardExtensionElement)
        .map(e -> (StandardExtensionElement) e)
        .filter(e -> queryId.equals(e.getAttributeValue("queryid")))
        .map(e -> e.getFirstElement("forwarded", "urn:xmpp:forward:0").getFirstElement("message", "jabber:client"))
        .toList();
  }

  private static Optional<Message> find(XmppClient client, Predicate<Message> p) {
    return client.messages.stream().filter(p).findFirst();
  }

  private static JsonNode awaitBody(MucFixture f, String room, String sender, String body) {
    return f.hs.awaitEvent(room, sender, e -> body.equals(e.path("content").path("body").asText()), WAIT);
  }

  @Test
  void inMucPortals() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");

    alice.sendEvent(room, "m.room.message", formatted("**bold** markdown", MATRIX_HTML));
    await().atMost(WAIT).until(() -> find(f.get().bob, m -> STYLED.equals(m.getBody())).isPresent());
    assertXhtml(find(f.get().bob, m -> STYLED.equals(m.getBody())).orElseThrow());

    EntityBareJid muc = f.get().bobInDev.getRoom();
    f.get().bob.send(StanzaBuilder.buildMessage().to(muc).ofType(Message.Type.groupchat).setBody("loud and bad ok e")
        .addExtension(hostileXhtml()).build());
    JsonNode fromXhtml = awaitBody(f.get(), room, f.get().ghostOf("bob"), "loud and bad ok e");
    assertThat(fromXhtml.path("content").path("format").asText()).isEqualTo("org.matrix.custom.html");
    assertThat(fromXhtml.path("content").path("formatted_body").asText()).isEqualTo(SANITISED);

    // A formatted reply: the quote for clients without XEP-0461 starts both bodies, the HTML one as a blockquote.
    ObjectNode reply = formatted("> <@_xmpp_bob:x> loud\n\n**reply** text", "<mx-reply><blockquote>"
        + "<a href=\"https://matrix.to/#/@x:y\">@x:y</a> loud</blockquote></mx-reply><strong>reply</strong> text");
    reply.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", fromXhtml.path("event_id").asText());
    alice.sendEvent(room, "m.room.message", reply);
    await().atMost(WAIT).until(() -> find(f.get().bob, m -> m.getBody() != null && m.getBody().endsWith("*reply* text"))
        .isPresent());
    Message got = find(f.get().bob, m -> m.getBody() != null && m.getBody().endsWith("*reply* text")).orElseThrow();
    assertThat(got.getBody()).startsWith("> ").contains("loud and bad ok e").doesNotContain("@x:y", "matrix.to");
    String xhtml = XHTMLExtension.from(got).getBodies().get(0).toString();
    assertThat(xhtml).containsPattern("<blockquote>[^<]*loud and bad ok e</blockquote><strong>reply</strong> text")
        .doesNotContain("@x:y", "matrix.to");
    f.get().hs.assertNoSchemaViolations();
  }

  @Test
  void inGatewayRooms() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.createRoom(RoomSpec.publicRoom().alias("hall"));
    dave = XmppClient.login(f.get().prosody, "dave");
    EntityBareJid hall = new GatewayJids(ProsodyServer.COMPONENT)
        .jidOf(RoomAlias.of("#hall:" + f.get().hs.serverName()));
    MultiUserChat muc = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(hall);
    muc.join(muc.getEnterConfigurationBuilder(Resourcepart.from("dave")).timeoutAfter(WAIT.toMillis()).build());
    String daveGhost = "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();
    f.get().awaitMembership(room, daveGhost, "join");

    alice.sendEvent(room, "m.room.message", formatted("**bold** markdown", MATRIX_HTML));
    await().atMost(WAIT).until(() -> find(dave, m -> STYLED.equals(m.getBody())).isPresent());
    assertXhtml(find(dave, m -> STYLED.equals(m.getBody())).orElseThrow());

    dave.send(StanzaBuilder.buildMessage().to(hall).ofType(Message.Type.groupchat).setBody("loud and bad ok e")
        .addExtension(hostileXhtml()).build());
    JsonNode fromXhtml = awaitBody(f.get(), room, daveGhost, "loud and bad ok e");
    assertThat(fromXhtml.path("content").path("formatted_body").asText()).isEqualTo(SANITISED);
    // Without XHTML-IM, XEP-0393 styling is the markup.
    dave.send(StanzaBuilder.buildMessage().to(hall).ofType(Message.Type.groupchat).setBody("_styled_ words")
        .build());
    JsonNode styled = awaitBody(f.get(), room, daveGhost, "_styled_ words");
    assertThat(styled.path("content").path("formatted_body").asText()).isEqualTo("<em>styled</em> words");
    // A joiner's history carries the styled body too.
    XmppClient erin = XmppClient.login(f.get().prosody, "erin");
    try {
      MultiUserChat erinMuc = MultiUserChatManager.getInstanceFor(erin.connection).getMultiUserChat(hall);
      erinMuc.join(erinMuc.getEnterConfigurationBuilder(Resourcepart.from("erin")).requestHistorySince(3600)
          .timeoutAfter(WAIT.toMillis()).build());
      await().atMost(WAIT).until(() -> find(erin, m -> STYLED.equals(m.getBody())).isPresent());
      assertXhtml(find(erin, m -> STYLED.equals(m.getBody())).orElseThrow());
    } finally {
      erin.close();
    }
    // MAM (XEP-0313) results carry both bodies too.
    dave.send(new MamQuery(hall, "fmt"));
    await().atMost(WAIT).until(() -> mamMessages("fmt").stream().anyMatch(m -> STYLED.equals(
        m.getFirstElement("body", "jabber:client").getText())));
    StandardExtensionElement archived = mamMessages("fmt").stream().filter(m -> STYLED.equals(
        m.getFirstElement("body", "jabber:client").getText())).findFirst().orElseThrow();
    assertThat(archived.getFirstElement("html", XHTMLExtension.NAMESPACE)).isNotNull();
    assertThat(archived.getFirstElement("html", XHTMLExtension.NAMESPACE).toXML().toString())
        .contains("<strong>bold</strong>");
    f.get().hs.assertNoSchemaViolations();
  }

  @Test
  void inDirectChats() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    dave = XmppClient.login(f.get().prosody, "dave");
    String daveGhost = "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();
    String room = alice.createRoom(RoomSpec.privateRoom().direct().invite(daveGhost));
    f.get().awaitMembership(room, daveGhost, "join");

    ObjectNode emote = formatted("**bold** markdown", MATRIX_HTML).put("msgtype", "m.emote");
    alice.sendEvent(room, "m.room.message", emote);
    Predicate<Message> styledEmote = m -> m.getType() == Message.Type.chat && ("/me " + STYLED).equals(m.getBody());
    await().atMost(WAIT).until(() -> find(dave, styledEmote).isPresent());
    Message got = find(dave, styledEmote).orElseThrow();
    assertXhtml(got);
    assertThat(XHTMLExtension.from(got).getBodies().get(0).toString())
        .startsWith("<body xmlns='http://www.w3.org/1999/xhtml'>/me <strong>");

    Jid aliceJid = new MatrixUserJids(ProsodyServer.COMPONENT).jidOf(UserId.of(alice.userId()));
    dave.send(StanzaBuilder.buildMessage("x1").to(aliceJid).ofType(Message.Type.chat).setBody("loud and bad ok e")
        .addExtension(hostileXhtml()).build());
    JsonNode fromXhtml = awaitBody(f.get(), room, daveGhost, "loud and bad ok e");
    assertThat(fromXhtml.path("content").path("formatted_body").asText()).isEqualTo(SANITISED);
    dave.send(StanzaBuilder.buildMessage("x2").to(aliceJid).ofType(Message.Type.chat).setBody("/me is *here*")
        .build());
    JsonNode styled = awaitBody(f.get(), room, daveGhost, "is *here*");
    assertThat(styled.path("content").path("msgtype").asText()).isEqualTo("m.emote");
    assertThat(styled.path("content").path("formatted_body").asText()).isEqualTo("is <strong>here</strong>");
    f.get().hs.assertNoSchemaViolations();
  }
}
