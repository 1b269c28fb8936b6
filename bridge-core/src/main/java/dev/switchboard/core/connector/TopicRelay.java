package dev.switchboard.core.connector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * Topics in hub rooms: a topic set on one network reaches Matrix as an {@code m.room.topic} sent by the bot, and the
 * bot's own events go nowhere, so without more it would stop there. A connector that sets a topic from its remote
 * room marks the content with the link it came from; the dispatcher then hands that event to the room's other links
 * (and only to them). Receiving connectors set it as the bridge (the IRC bot, the MUC listener) when their
 * {@code hub.topics} allows it.
 */
public final class TopicRelay {
  /** Content key naming the link a topic came from: {@code <protocol> <remote id>}. */
  public static final String FROM_LINK = "dev.switchboard.from_link";

  private TopicRelay() {}

  /** Marks topic content as coming from {@code link}'s remote room. */
  public static ObjectNode mark(ObjectNode topicContent, String protocol, String remoteId) {
    return topicContent.put(FROM_LINK, protocol + " " + remoteId);
  }

  /** The link a bot's topic event came from, if it was marked. */
  public static Optional<String> fromLink(JsonNode content) {
    JsonNode v = content.path(FROM_LINK);
    return v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
  }
}
