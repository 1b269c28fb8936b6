package dev.switchboard.xmpp.message;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.EventId;

/** XMPP corrections (XEP-0308) as Matrix edits; one builder for MUCs, gateway rooms and direct chats. */
public final class Edits {
  private Edits() {}

  /** An {@code m.replace} edit of {@code replaced} with the new content, and a fallback body. */
  public static ObjectNode replacing(EventId replaced, ObjectNode newContent) {
    ObjectNode content = newContent.deepCopy();
    content.put("body", "* " + newContent.path("body").asText());
    content.set("m.new_content", newContent);
    content.putObject("m.relates_to").put("rel_type", "m.replace").put("event_id", replaced.value());
    return content;
  }
}
