package dev.switchboard.xmpp.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.xmpp.stanza.StanzaCodec;
import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.junit.jupiter.api.Test;

/** What a Matrix file becomes for XMPP: the bridge's link, its OOB data and, for images of known size, a thumbnail. */
class XmppMediaLinksTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BASE = "https://matrix.example.org";
  private final XmppMediaLinks links = new XmppMediaLinks(dev.switchboard.core.media.MediaLinks.homeserverDownload(BASE));

  private static ObjectNode content(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  @Test
  void aFileIsTheLinkCoreGivesForItsMxcUriAndName() throws Exception {
    XmppMediaLinks.Link link = links.of(content("""
        {"msgtype": "m.file", "body": "the report", "filename": "report 1.pdf", "url": "mxc://example.org/abc"}
        """)).orElseThrow();

    assertThat(link.url()).isEqualTo(BASE + "/_matrix/media/v3/download/example.org/abc/report%201.pdf");
    assertThat(link.description()).isEqualTo("the report");
    assertThat(link.thumbnail()).isEmpty();
  }

  @Test
  void anImageOfKnownSizeGetsAThumbnailThatFitsTheBoxWithItsAspectRatio() throws Exception {
    XmppMediaLinks.Link link = links.of(content("""
        {"msgtype": "m.image", "body": "cat.png", "url": "mxc://example.org/cat",
         "info": {"w": 1000, "h": 500, "mimetype": "image/png"}}
        """)).orElseThrow();

    assertThat(link.thumbnail()).contains(new XmppMediaLinks.Thumbnail(
        BASE + "/_matrix/media/v3/thumbnail/example.org/cat?width=320&height=160", "image/png", 320, 160));
  }

  @Test
  void theSendersThumbnailSizeIsUsedWhenGivenAndSmallImagesAreNotEnlarged() throws Exception {
    XmppMediaLinks.Link fromThumbnailInfo = links.of(content("""
        {"msgtype": "m.image", "body": "tall.webp", "url": "mxc://example.org/tall",
         "info": {"mimetype": "image/webp", "thumbnail_info": {"w": 300, "h": 600, "mimetype": "image/jpeg"}}}
        """)).orElseThrow();
    XmppMediaLinks.Link small = links.of(content("""
        {"msgtype": "m.image", "body": "icon.jpg", "url": "mxc://example.org/icon",
         "info": {"w": 64, "h": 48, "mimetype": "image/jpeg"}}
        """)).orElseThrow();

    // What a homeserver makes of a WebP is not said.
    assertThat(fromThumbnailInfo.thumbnail()).hasValueSatisfying(t -> {
      assertThat(t.width()).isEqualTo(120);
      assertThat(t.height()).isEqualTo(240);
      assertThat(t.mediaType()).isEmpty();
    });
    assertThat(small.thumbnail()).hasValueSatisfying(t -> {
      assertThat(t.uri()).endsWith("?width=64&height=48");
      assertThat(t.mediaType()).isEqualTo("image/jpeg");
    });
  }

  @Test
  void noThumbnailWithoutASizeOrForOtherMediaAndNoLinkForEncryptedFiles() throws Exception {
    assertThat(links.of(content("""
        {"msgtype": "m.image", "body": "x.png", "url": "mxc://example.org/x", "info": {"w": 0, "h": "480"}}
        """)).orElseThrow().thumbnail()).isEmpty();
    assertThat(links.of(content("""
        {"msgtype": "m.video", "body": "v.mp4", "url": "mxc://example.org/v", "info": {"w": 640, "h": 480}}
        """)).orElseThrow().thumbnail()).isEmpty();
    ObjectNode encrypted = content("""
        {"msgtype": "m.image", "body": "secret.png", "file": {"url": "mxc://example.org/s"}}
        """);
    assertThat(links.of(encrypted)).isEmpty();
    assertThat(links.textOf(encrypted)).isEqualTo("[image: secret.png]");
  }

  @Test
  void theThumbnailGoesIntoTheOobElementInItsOwnNamespace() throws Exception {
    XmppMediaLinks.Link link = new XmppMediaLinks.Link("https://bridge.example/media/a/cat.png", "cat",
        Optional.of(new XmppMediaLinks.Thumbnail("https://bridge.example/media/a/cat.png?thumbnail=320x240&x=1",
            "image/png", 320, 240)));
    Message m = XmppMediaLinks.withOob(StanzaBuilder.buildMessage("m1").setBody(link.url()).build(), Optional.of(link));

    Message parsed = (Message) StanzaCodec.parse(StanzaCodec.toXml(m));

    String xml = StanzaCodec.toXml(parsed);
    assertThat(XmppMediaLinks.oobUrl(parsed)).contains(link.url());
    assertThat(xml).contains("<thumbnail xmlns='urn:xmpp:thumbs:1'", "uri='https://bridge.example/media/a/cat.png"
        + "?thumbnail=320x240&amp;x=1'", "media-type='image/png'", "width='320'", "height='240'");
  }
}
