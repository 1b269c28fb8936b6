package dev.switchboard.xmpp.media;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;

/**
 * Matrix media as XMPP sees it: a link to the homeserver's download URL, as the message body and as XEP-0066 out of
 * band data ({@code <x xmlns='jabber:x:oob'>}), which clients such as Conversations and Dino show inline when the
 * body is exactly the URL. The link uses the unauthenticated {@code /_matrix/media/v3/download} path: XMPP users have
 * no Matrix token (homeservers with authenticated media only need a media proxy in front).
 */
public final class MediaLinks {
  public static final String OOB_NS = "jabber:x:oob";
  private static final Set<String> MEDIA = Set.of("m.image", "m.file", "m.video", "m.audio");
  private static final Pattern MXC = Pattern.compile("mxc://([A-Za-z0-9.:\\-\\[\\]]+)/([A-Za-z0-9_\\-]+)");

  private final Optional<String> baseUrl;

  /** @param baseUrl the homeserver's public base URL; without it media become a text line without a link */
  public MediaLinks(Optional<String> baseUrl) {
    this.baseUrl = baseUrl.map(b -> b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
  }

  /** What a media message becomes: the download URL (empty without a base URL or with a bad mxc URI). */
  public record Link(String url, String description) {}

  public static boolean isMedia(JsonNode content) {
    return MEDIA.contains(content.path("msgtype").asText());
  }

  public Optional<Link> of(JsonNode content) {
    if (!isMedia(content) || baseUrl.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = MXC.matcher(content.path("url").asText(""));
    if (!m.matches()) {
      return Optional.empty(); // encrypted media (file.url) and malformed URIs
    }
    String name = content.path("filename").asText(content.path("body").asText("file"));
    String url = baseUrl.get() + "/_matrix/media/v3/download/" + m.group(1) + "/" + m.group(2) + "/"
        + URLEncoder.encode(name.isBlank() ? "file" : name, StandardCharsets.UTF_8).replace("+", "%20");
    return Optional.of(new Link(url, content.path("body").asText("")));
  }

  /** The text a media message shows: the URL where there is one, else a short description. */
  public String textOf(JsonNode content) {
    return of(content).map(Link::url)
        .orElse("[" + content.path("msgtype").asText().substring(2) + ": " + content.path("body").asText("") + "]");
  }

  /** XEP-0066 {@code <x xmlns='jabber:x:oob'><url>...</url><desc>...</desc></x>}, escaped by Smack. */
  public static ExtensionElement oob(Link link) {
    StandardExtensionElement.Builder x = StandardExtensionElement.builder("x", OOB_NS).addElement("url", link.url());
    if (!link.description().isBlank()) {
      x.addElement("desc", dev.switchboard.xmpp.stanza.XmlText.clean(link.description()));
    }
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
