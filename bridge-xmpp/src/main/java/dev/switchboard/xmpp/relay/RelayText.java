package dev.switchboard.xmpp.relay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.RelayFormat;
import dev.switchboard.xmpp.format.MatrixHtml;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.message.Replies;
import java.util.Optional;

/**
 * The one line a relay user's message becomes on XMPP: the plain body (Matrix HTML as XEP-0393 styling, a reply
 * without Matrix's fallback quote, media as its link text) put into the {@code relay} format. The stanza builders
 * clean it for XML like every other text.
 */
public final class RelayText {
  private final RelayFormat format;
  private final XmppMediaLinks mediaLinks;

  public RelayText(RelayFormat format, XmppMediaLinks mediaLinks) {
    this.format = format;
    this.mediaLinks = mediaLinks;
  }

  /** A relayed line and the media link that goes with it (XEP-0066), if any. */
  public record Line(String text, Optional<XmppMediaLinks.Link> media) {}

  /** The line for {@code content} (an edit's {@code m.new_content}); empty for what is not bridged. */
  public Optional<Line> of(UserId user, String displayName, JsonNode content) {
    String msgtype = content.path("msgtype").asText("");
    boolean media = XmppMediaLinks.isMedia(content);
    String text;
    if (media) {
      text = mediaLinks.textOf(content);
    } else if (msgtype.equals("m.text") || msgtype.equals("m.notice") || msgtype.equals("m.emote")) {
      String body = content.path("m.relates_to").path("m.in_reply_to").isObject()
          ? Replies.withoutMatrixFallback(content.path("body").asText("")) : content.path("body").asText("");
      text = MatrixHtml.render(content, "").map(MatrixHtml.Rendered::body).orElse(body);
    } else {
      return Optional.empty();
    }
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(new Line(format.render(user, displayName, text, msgtype.equals("m.emote")),
        media ? mediaLinks.of(content) : Optional.empty()));
  }
}
