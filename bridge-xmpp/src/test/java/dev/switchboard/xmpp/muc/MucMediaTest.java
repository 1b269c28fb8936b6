package dev.switchboard.xmpp.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.media.MediaLinks;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;

/** Media both ways: Matrix files as OOB links to the homeserver, XMPP links fetched (with limits) and re-uploaded. */
class MucMediaTest {
  private static final Duration WAIT = MucFixture.WAIT;
  private static final byte[] PNG = new byte[600];
  private static final byte[] BIG = new byte[5000];

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir, """
      {"media_max_bytes": 1000,
       "media_allowed_hosts": ["127.0.0.1"]}
      """));
  private HttpServer files;
  private TestUser alice;
  private String room;

  @BeforeEach
  void start() throws Exception {
    Arrays.fill(PNG, (byte) 7);
    files = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    files.createContext("/cat.png", x -> serve(x, PNG, "image/png"));
    files.createContext("/big.bin", x -> serve(x, BIG, "application/octet-stream"));
    files.start();
    alice = f.get().hs.user("alice");
    room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
  }

  private static void serve(com.sun.net.httpserver.HttpExchange x, byte[] body, String type) throws java.io.IOException {
    x.getResponseHeaders().add("Content-Type", type);
    x.sendResponseHeaders(200, body.length);
    x.getResponseBody().write(body);
    x.close();
  }

  @AfterEach
  void stop() {
    if (files != null) {
      files.stop(0);
    }
  }

  private String fileUrl(String host, String path) {
    return "http://" + host + ":" + files.getAddress().getPort() + path;
  }

  private void bobShares(String id, String url) throws Exception {
    f.get().bob.send(StanzaBuilder.buildMessage(id).to(JidCreate.entityBareFrom(f.get().muc()))
        .ofType(Message.Type.groupchat)
        .setBody(url).addExtension(StandardExtensionElement.builder("x", MediaLinks.OOB_NS).addElement("url", url)
            .build()).build());
  }

  @Test
  void aMatrixImageReachesTheMucAsALinkWithOobData() throws Exception {
    alice.sendEvent(room, "m.room.message", new ObjectMapper().readTree("""
        {"msgtype": "m.image", "body": "cat photo.png", "url": "mxc://test.local/AbCdEf123"}
        """));

    String expected = "https://test.local/_matrix/media/v3/download/test.local/AbCdEf123/cat%20photo.png";
    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> expected.equals(m.getBody())));
    Message m = f.get().bob.messages.stream().filter(x -> expected.equals(x.getBody())).findFirst().orElseThrow();
    StandardExtensionElement oob = (StandardExtensionElement) m.getExtensionElement("x", MediaLinks.OOB_NS);
    assertThat(oob.getFirstElement("url").getText()).isEqualTo(expected);
  }

  @Test
  void anXmppFileIsFetchedAndUploadedAndWhatMayNotBeFetchedStaysALink() throws Exception {
    bobShares("f1", fileUrl("127.0.0.1", "/cat.png"));
    JsonNode image = f.get().hs.awaitEvent(room, f.get().ghostOf("bob"),
        e -> "m.image".equals(e.path("content").path("msgtype").asText()), WAIT);
    assertThat(image.path("content").path("info").path("size").asInt()).isEqualTo(PNG.length);
    String mxc = image.path("content").path("url").asText();
    assertThat(mxc).startsWith("mxc://");
    HttpResponse<byte[]> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        f.get().hs.baseUrl() + "/_matrix/media/v3/download/" + mxc.substring(6))).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(download.body()).isEqualTo(PNG);

    // Over the size limit, and a host that resolves to loopback without being configured: links, not files.
    String big = fileUrl("127.0.0.1", "/big.bin");
    String internal = fileUrl("localhost", "/cat.png");
    bobShares("f2", big);
    bobShares("f3", internal);
    for (String url : new String[] {big, internal}) {
      JsonNode text = f.get().hs.awaitEvent(room, f.get().ghostOf("bob"), e -> url.equals(e.path("content").path("body")
          .asText()), WAIT);
      assertThat(text.path("content").path("msgtype").asText()).isEqualTo("m.text");
    }
    assertThat(f.get().hs.timeline(room).stream().filter(e -> "m.image".equals(e.path("content").path("msgtype")
        .asText()))).hasSize(1);
    assertThat(Optional.of(f.get().hs.schemaViolations())).hasValueSatisfying(v -> assertThat(v).isEmpty());
  }

  @Test
  void anOobUrlWithANewlineIsLoggedEscapedNotAsAForgedLine() throws Exception {
    ch.qos.logback.classic.Logger hookLog = (ch.qos.logback.classic.Logger)
        org.slf4j.LoggerFactory.getLogger(dev.switchboard.xmpp.media.MucMediaHook.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
        new ch.qos.logback.core.read.ListAppender<>();
    captured.start();
    hookLog.addAppender(captured);
    ch.qos.logback.classic.Level before = hookLog.getLevel();
    hookLog.setLevel(ch.qos.logback.classic.Level.INFO);
    try {
      // In the stanza the newline is a character reference; parsed, it is a real line break in the URL.
      String url = fileUrl("127.0.0.1", "/cat.png") + "\n12:00:00.000 [main] ERROR forged - admin password reset";
      bobShares("f4", url);

      await().atMost(WAIT).until(() -> captured.list.stream()
          .anyMatch(e -> e.getFormattedMessage().startsWith("Not re-uploading")));
      String line = captured.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
          .filter(m -> m.startsWith("Not re-uploading")).findFirst().orElseThrow();
      assertThat(line).doesNotContain("\n", "\r").contains("/cat.png\\n12:00:00.000 [main] ERROR forged");
    } finally {
      hookLog.detachAppender(captured);
      hookLog.setLevel(before);
    }
  }
}
