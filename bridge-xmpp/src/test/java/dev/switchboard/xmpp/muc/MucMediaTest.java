package dev.switchboard.xmpp.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.media.XmppMediaLinks;
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

/**
 * Media both ways, against a homeserver that serves media to authenticated clients only: Matrix files as OOB links to
 * the bridge's media endpoint, XMPP links fetched (with limits) and re-uploaded.
 */
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
      """, Options.defaults().media(Options.Media.defaults().authenticatedOnly(true))));
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
        .setBody(url).addExtension(StandardExtensionElement.builder("x", XmppMediaLinks.OOB_NS).addElement("url", url)
            .build()).build());
  }

  /** Uploads {@code bytes} as {@code user}, as a Matrix client does; the {@code mxc://} URI. */
  private String upload(TestUser user, byte[] bytes, String type, String name) throws Exception {
    HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        f.get().hs.baseUrl() + "/_matrix/media/v3/upload?filename=" + name))
        .header("Authorization", "Bearer " + user.accessToken()).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    return new ObjectMapper().readTree(answer.body()).path("content_uri").asText();
  }

  private static HttpResponse<byte[]> fetch(String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void aMatrixImageReachesTheMucAsTheBridgesLinkWithOobDataAndAThumbnailThatOpen() throws Exception {
    String mxc = upload(alice, PNG, "image/png", "cat.png");
    ObjectNode image = new ObjectMapper().createObjectNode().put("msgtype", "m.image").put("body", "cat photo.png")
        .put("url", mxc);
    image.putObject("info").put("mimetype", "image/png").put("size", PNG.length).put("w", 800).put("h", 600);
    alice.sendEvent(room, "m.room.message", image);

    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(MucMediaTest::hasOob));
    Message m = f.get().bob.messages.stream().filter(MucMediaTest::hasOob).findFirst().orElseThrow();
    StandardExtensionElement oob = (StandardExtensionElement) m.getExtensionElement("x", XmppMediaLinks.OOB_NS);
    String url = oob.getFirstElement("url").getText();
    assertThat(m.getBody()).isEqualTo(url);
    assertThat(url).startsWith(f.get().mediaUrl() + "/media/").endsWith("/cat%20photo.png")
        .doesNotContain(room, mxc.substring("mxc://".length()));
    HttpResponse<byte[]> file = fetch(url);
    assertThat(file.statusCode()).isEqualTo(200);
    assertThat(file.body()).isEqualTo(PNG);
    assertThat(file.headers().firstValue("Content-Type")).contains("image/png");

    StandardExtensionElement thumbnail = oob.getFirstElement("thumbnail", XmppMediaLinks.THUMBS_NS);
    assertThat(thumbnail).as("XEP-0264 thumbnail in %s", oob.toXML()).isNotNull();
    assertThat(thumbnail.getAttributeValue("width")).isEqualTo("320");
    assertThat(thumbnail.getAttributeValue("height")).isEqualTo("240");
    assertThat(thumbnail.getAttributeValue("media-type")).isEqualTo("image/png");
    // The testkit homeserver's thumbnails are the original bytes.
    HttpResponse<byte[]> thumb = fetch(thumbnail.getAttributeValue("uri"));
    assertThat(thumb.statusCode()).isEqualTo(200);
    assertThat(thumb.body()).isEqualTo(PNG);
  }

  private static boolean hasOob(Message m) {
    return m.getExtensionElement("x", XmppMediaLinks.OOB_NS) != null;
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
        f.get().hs.baseUrl() + "/_matrix/client/v1/media/download/" + mxc.substring(6)))
        .header("Authorization", "Bearer " + alice.accessToken()).build(), HttpResponse.BodyHandlers.ofByteArray());
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
