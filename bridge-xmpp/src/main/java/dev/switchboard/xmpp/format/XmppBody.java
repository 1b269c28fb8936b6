package dev.switchboard.xmpp.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import java.util.Optional;

/**
 * A Matrix message's content as the body of an XMPP message from its sender (MUC occupant or direct chat): text and
 * emotes ({@code /me }) with Matrix HTML as XEP-0393 styling plus an XHTML-IM body, media as a link line with its
 * XEP-0066 data.
 *
 * @param text the plain body
 * @param formatted the XHTML-IM body, if the message had HTML
 * @param media the file's link, if the message is media
 */
public record XmppBody(String text, Optional<MatrixHtml.Rendered> formatted, Optional<XmppMediaLinks.Link> media) {

  /**
   * @param body the plain text to send for a text message (a reply's without Matrix's fallback quote)
   * @return empty for what is not bridged (unknown message types, empty text)
   */
  public static Optional<XmppBody> of(JsonNode content, String body, XmppMediaLinks links) {
    String msgtype = content.path("msgtype").asText("");
    String text = switch (msgtype) {
      case "m.text", "m.notice" -> body;
      case "m.emote" -> "/me " + body;
      default -> XmppMediaLinks.isMedia(content) ? links.textOf(content) : null;
    };
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    Optional<MatrixHtml.Rendered> formatted = XmppMediaLinks.isMedia(content) ? Optional.empty()
        : MatrixHtml.render(content, "m.emote".equals(msgtype) ? "/me " : "");
    return Optional.of(new XmppBody(formatted.map(MatrixHtml.Rendered::body).orElse(text), formatted,
        links.of(content)));
  }
}
