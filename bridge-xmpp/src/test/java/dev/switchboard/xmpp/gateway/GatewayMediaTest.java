package dev.switchboard.xmpp.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * Files an XMPP user shares in a gateway room or a direct chat are fetched and re-uploaded; what may not be fetched
 * stays a link.
 */
class GatewayMediaTest {
  private static final Duration WAIT = MucFixture.WAIT;
  private static final byte[] PNG = new byte[600];
  private static final byte[] BIG = new byte[5000];

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir, """
      {"media_max_bytes": 1000, "media_allowed_hosts": ["127.0.0.1"]}
      """));
  private HttpServer files;
  private XmppClient dave;

  @AfterEach
  void stop() {
    if (dave != null) {
      dave.close();
    }
    if (files != null) {
      files.stop(0);
    }
  }

  private static void serve(com.sun.net.httpserver.HttpExchange x, byte[] body, String type)
      throws java.io.IOException {
    x.getResponseHeaders().add("Content-Type", type);
    x.sendResponseHeaders(200, body.length);
    x.getResponseBody().write(body);
    x.close();
  }

  @Test
  void aSharedFileIsUploadedAndAnOversizedOneStaysALink() throws Exception {
    Arrays.fill(PNG, (byte) 9);
    files = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    files.createContext("/cat.png", x -> serve(x, PNG, "image/png"));
    files.createContext("/big.bin", x -> serve(x, BIG, "application/octet-stream"));
    files.start();
    TestUser alice = f.get().hs.user("alice");
    String room = alice.createRoom(RoomSpec.publicRoom().alias("gallery"));
    dave = XmppClient.login(f.get().prosody, "dave");
    EntityBareJid gallery = new GatewayJids(ProsodyServer.COMPONENT).jidOf(
        RoomAlias.of("#gallery:" + f.get().hs.serverName()));
    MultiUserChat muc = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(gallery);
    muc.join(muc.getEnterConfigurationBuilder(Resourcepart.from("dave")).timeoutAfter(WAIT.toMillis()).build());
    String ghost = "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();

    String cat = "http://127.0.0.1:" + files.getAddress().getPort() + "/cat.png";
    share(gallery, "g1", cat);
    JsonNode image = f.get().hs.awaitEvent(room, ghost,
        e -> "m.image".equals(e.path("content").path("msgtype").asText()), WAIT);
    String mxc = image.path("content").path("url").asText();
    HttpResponse<byte[]> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        f.get().hs.baseUrl() + "/_matrix/media/v3/download/" + mxc.substring(6))).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(download.body()).isEqualTo(PNG);
    // The room reflects the share to dave, with the event id as stanza-id.
    await().atMost(WAIT).until(() -> dave.messages.stream().anyMatch(m -> cat.equals(m.getBody())
        && XmppMediaLinks.oobUrl(m).isPresent() && m.getFrom().toString().equals(gallery + "/dave")));

    String big = "http://127.0.0.1:" + files.getAddress().getPort() + "/big.bin";
    share(gallery, "g2", big);
    JsonNode link = f.get().hs.awaitEvent(room, ghost, e -> big.equals(e.path("content").path("body").asText()), WAIT);
    assertThat(link.path("content").path("msgtype").asText()).isEqualTo("m.text");
  }

  @Test
  void aFileSentInADirectChatIsUploaded() throws Exception {
    Arrays.fill(PNG, (byte) 5);
    files = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    files.createContext("/dog.png", x -> serve(x, PNG, "image/png"));
    files.start();
    TestUser alice = f.get().hs.user("alice");
    dave = XmppClient.login(f.get().prosody, "dave");
    String ghost = "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();
    EntityBareJid aliceJid = new dev.switchboard.xmpp.address.MatrixUserJids(ProsodyServer.COMPONENT)
        .jidOf(dev.switchboard.core.id.UserId.of(alice.userId()));

    String dog = "http://127.0.0.1:" + files.getAddress().getPort() + "/dog.png";
    dave.send(StanzaBuilder.buildMessage("dm1").to(aliceJid).ofType(Message.Type.chat).setBody(dog)
        .addExtension(StandardExtensionElement.builder("x", XmppMediaLinks.OOB_NS).addElement("url", dog).build())
        .build());
    await().atMost(WAIT).until(() -> !f.get().hs.roomsOf(alice.userId(), "invite").isEmpty());
    String room = f.get().hs.roomsOf(alice.userId(), "invite").get(0);
    JsonNode image = f.get().hs.awaitEvent(room, ghost,
        e -> "m.image".equals(e.path("content").path("msgtype").asText()), WAIT);
    String mxc = image.path("content").path("url").asText();
    HttpResponse<byte[]> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        f.get().hs.baseUrl() + "/_matrix/media/v3/download/" + mxc.substring(6))).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(download.body()).isEqualTo(PNG);
  }

  private void share(EntityBareJid room, String id, String url) throws Exception {
    dave.send(StanzaBuilder.buildMessage(id).to(room).ofType(Message.Type.groupchat).setBody(url)
        .addExtension(StandardExtensionElement.builder("x", XmppMediaLinks.OOB_NS).addElement("url", url).build())
        .build());
  }
}
