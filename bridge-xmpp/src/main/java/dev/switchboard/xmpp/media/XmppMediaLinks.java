package dev.switchboard.xmpp.media;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.media.MatrixFile;
import dev.switchboard.core.media.MediaLinks;
import java.util.Optional;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;

/**
 * Matrix media as XMPP sees it: a link XMPP users can open (the bridge's, from core's {@link MediaLinks}), as the
 * message body and as XEP-0066 out of band data ({@code <x xmlns='jabber:x:oob'>}), which clients such as
 * Conversations and Dino show inline when the body is exactly the URL.
 * An image whose size is known also gets an XEP-0264 {@code <thumbnail/>} in the OOB element, so a client can show a
 * preview before it fetches the whole file.
 */
public final class XmppMediaLinks {
  public static final String OOB_NS = "jabber:x:oob";
  public static final String THUMBS_NS = "urn:xmpp:thumbs:1";
  /** The box thumbnails fit in: Synapse's default 320×240 "scale" size, which it has ready for every image. */
  static final int THUMB_WIDTH = 320;
  static final int THUMB_HEIGHT = 240;

  private final MediaLinks links;

  public XmppMediaLinks(MediaLinks links) {
    this.links = links;
  }

  /**
   * What a media message becomes: the file's link and description, and a thumbnail for images of known size.
   *
   * @param thumbnail XEP-0264 data: a link to a thumbnail of at most its width×height, of that media type if known
   */
  public record Link(String url, String description, Optional<Thumbnail> thumbnail) {
    /** A link without a thumbnail. */
    public Link(String url, String description) {
      this(url, description, Optional.empty());
    }
  }

  /** XEP-0264 thumbnail data; {@code mediaType} may be empty when unknown (the attribute is then left out). */
  public record Thumbnail(String uri, String mediaType, int width, int height) {}

  public static boolean isMedia(JsonNode content) {
    return MatrixFile.isFile(content.path("msgtype").asText());
  }

  /** The link of a media message; empty for other messages, encrypted media ({@code file.url}) and bad URIs. */
  public Optional<Link> of(JsonNode content) {
    return MatrixFile.of(content).flatMap(file -> file.link(links)
        .map(url -> new Link(url, content.path("body").asText(""), thumbnail(content, file.mxc(), file.name()))));
  }

  /**
   * For an image with {@code info.thumbnail_info} or {@code info.w}/{@code h}: a thumbnail that fits {@value
   * #THUMB_WIDTH}×{@value #THUMB_HEIGHT}, with the image's aspect ratio (the homeserver scales, never stretches).
   */
  private Optional<Thumbnail> thumbnail(JsonNode content, String mxc, String fileName) {
    if (!"m.image".equals(content.path("msgtype").asText())) {
      return Optional.empty();
    }
    JsonNode info = content.path("info");
    JsonNode thumb = info.path("thumbnail_info");
    JsonNode sized = positive(thumb, "w") && positive(thumb, "h") ? thumb : info;
    if (!positive(sized, "w") || !positive(sized, "h")) {
      return Optional.empty();
    }
    double scale = Math.min(1, Math.min(THUMB_WIDTH / sized.path("w").asDouble(),
        THUMB_HEIGHT / sized.path("h").asDouble()));
    int width = (int) Math.max(1, Math.round(sized.path("w").asDouble() * scale));
    int height = (int) Math.max(1, Math.round(sized.path("h").asDouble() * scale));
    // Homeservers thumbnail PNG as PNG and JPEG as JPEG; what they make of other types varies, so it is not said.
    String type = info.path("mimetype").asText("");
    return links.thumbnail(mxc, fileName, width, height).map(uri -> new Thumbnail(uri,
        type.equals("image/png") || type.equals("image/jpeg") ? type : "", width, height));
  }

  private static boolean positive(JsonNode node, String field) {
    return node.path(field).canConvertToInt() && node.path(field).isIntegralNumber() && node.path(field).asInt() > 0;
  }

  /** The text a media message shows: the URL where there is one, else a short description. */
  public String textOf(JsonNode content) {
    return of(content).map(Link::url)
        .orElse("[" + content.path("msgtype").asText().substring(2) + ": " + content.path("body").asText("") + "]");
  }

  /**
   * XEP-0066 {@code <x xmlns='jabber:x:oob'><url>...</url><desc>...</desc></x>}, with an XEP-0264 {@code <thumbnail
   * xmlns='urn:xmpp:thumbs:1'/>} when there is one; escaped by Smack.
   */
  public static ExtensionElement oob(Link link) {
    StandardExtensionElement.Builder x = StandardExtensionElement.builder("x", OOB_NS).addElement("url", link.url());
    if (!link.description().isBlank()) {
      x.addElement("desc", dev.switchboard.xmpp.stanza.XmlText.clean(link.description()));
    }
    link.thumbnail().ifPresent(t -> {
      StandardExtensionElement.Builder thumbnail = StandardExtensionElement.builder("thumbnail", THUMBS_NS)
          .addAttribute("uri", t.uri());
      if (!t.mediaType().isEmpty()) {
        thumbnail.addAttribute("media-type", t.mediaType());
      }
      x.addElement(thumbnail.addAttribute("width", Integer.toString(t.width()))
          .addAttribute("height", Integer.toString(t.height())).build());
    });
    return x.build();
  }

  /** The message with OOB data added for a media link. */
  public static Message withOob(Message message, Optional<Link> link) {
    return link.isEmpty() ? message : message.asBuilder().addExtension(oob(link.get())).build();
  }

  /** The URL of an OOB element in a message from XMPP, if any. */
  public static Optional<String> oobUrl(Message message) {
    return message.getExtensions("x", OOB_NS).stream()
        .filter(StandardExtensionElement.class::isInstance)
        .map(e -> ((StandardExtensionElement) e).getFirstElement("url"))
        .filter(u -> u != null && u.getText() != null && !u.getText().isBlank())
        .map(u -> u.getText().strip())
        .findFirst();
  }
}
