package dev.switchboard.xmpp.media;

import dev.switchboard.xmpp.stanza.LogText;
import static dev.switchboard.core.failure.Failures.rootCause;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.muc.MucBridge;
import dev.switchboard.xmpp.muc.MucStanzas;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jivesoftware.smack.packet.Message;
import org.jxmpp.jid.EntityBareJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files shared in a MUC (an XEP-0066 OOB URL, as XEP-0363 uploads are sent) are fetched and uploaded to Matrix, so
 * Matrix clients show them inline; when the file cannot be fetched (too large, internal address, error) the link
 * goes to Matrix as text.
 */
public final class MucMediaHook implements MucBridge.MessageHook {
  private static final Logger log = LoggerFactory.getLogger(MucMediaHook.class);

  private final ConnectorContext context;
  private final MediaFetcher fetcher;

  public MucMediaHook(ConnectorContext context, MediaFetcher fetcher) {
    this.context = context;
    this.fetcher = fetcher;
  }

  @Override
  public Optional<Supplier<CompletableFuture<?>>> onMucMessage(RoomId room, EntityBareJid muc, UserId sender,
      Message message) {
    Optional<String> url = XmppMediaLinks.oobUrl(message);
    String body = message.getBody();
    // Only a message that is just the file: a text message that also carries a link stays text.
    if (url.isEmpty() || (body != null && !body.strip().equals(url.get()))) {
      return Optional.empty();
    }
    String key = MucStanzas.stanzaIdBy(message, muc).map(id -> "sid:" + id)
        .orElseGet(() -> message.getStanzaId() != null ? "from:" + sender.value() + "/" + message.getStanzaId()
            : "none:" + UUID.randomUUID());
    String txn = "xmpp-media|" + muc + "|" + key;
    Intent ghost = context.intents().ghost(sender);
    // The room's next messages wait for the fetch and upload (they must come after this one), not for the send's
    // answer: once the send is queued, the outbound queue keeps the order.
    return Optional.of(() -> fetcher.fetch(url.get())
        .thenCompose(file -> ghost.uploadMedia(file.bytes(), file.contentType(), file.fileName())
            .thenApply(mxc -> content(file, mxc)))
        .exceptionally(err -> {
          log.info("Not re-uploading {} from {} in {}: {}", LogText.of(url.get()), sender, muc,
              LogText.of(rootCause(err).getMessage()));
          return JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", url.get());
        })
        .thenAccept(content -> ghost.sendMessage(room, content, txn).whenComplete((event, err) -> {
          if (err != null) {
            log.warn("XMPP -> Matrix file in {} failed: {}", muc, rootCause(err).toString());
          }
        })));
  }

  /** The {@code m.image}/{@code m.video}/{@code m.audio}/{@code m.file} content of an uploaded file. */
  public static ObjectNode content(MediaFetcher.Fetched file, String mxc) {
    String type = file.contentType().split(";")[0].strip().toLowerCase(java.util.Locale.ROOT);
    String msgtype = type.startsWith("image/") ? "m.image" : type.startsWith("video/") ? "m.video"
        : type.startsWith("audio/") ? "m.audio" : "m.file";
    ObjectNode content = JsonNodeFactory.instance.objectNode();
    content.put("msgtype", msgtype).put("body", file.fileName()).put("url", mxc);
    content.putObject("info").put("mimetype", type).put("size", file.bytes().length);
    return content;
  }
}
