package dev.switchboard.core.inbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.function.Function;

/**
 * Takes secrets out of the copy of a message the inbox stores (DESIGN.md: secrets are never stored in clear): a
 * command such as {@code !irc storepass hunter2} is stored as {@code !irc storepass [secret removed]}, while dispatch
 * still hands the original to the command in memory. The stored copy is marked with {@link #MARK}, so a command
 * replayed after a crash asks the user to send it again instead of running without its secret.
 */
public final class SecretScrubber {
  /** Set to true in the content of a stored event whose secrets were removed. */
  public static final String MARK = "dev.switchboard.secret_removed";

  public static final SecretScrubber NONE = new SecretScrubber(body -> Optional.empty());

  private final Function<String, Optional<String>> withoutSecrets;

  /** @param withoutSecrets a message body without its secrets, or empty when it has none */
  public SecretScrubber(Function<String, Optional<String>> withoutSecrets) {
    this.withoutSecrets = withoutSecrets;
  }

  /** The item to store: {@code item} itself, or one whose stored JSON has the secrets removed. */
  ParsedTransaction.Item storable(ParsedTransaction.Item item, ObjectMapper json) {
    if (item.kind() != InboxEntry.Kind.PDU || !"m.room.message".equals(item.fields().type())) {
      return item;
    }
    String body = item.fields().body();
    if (body == null || !body.stripLeading().startsWith("!")) {
      return item;
    }
    Optional<String> scrubbed = withoutSecrets.apply(body);
    if (scrubbed.isEmpty()) {
      return item;
    }
    ObjectNode copy = item.event().deepCopy();
    ObjectNode content = (ObjectNode) copy.get("content");
    content.put("body", scrubbed.get());
    content.remove("formatted_body");
    content.remove("format");
    content.put(MARK, true);
    try {
      return new ParsedTransaction.Item(item.kind(), item.eventId(), item.roomId(), item.fields(), item.json(),
          json.writeValueAsString(copy));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed event always serialises", e);
    }
  }

  ParsedTransaction storable(ParsedTransaction txn, ObjectMapper json) {
    boolean changed = false;
    java.util.List<ParsedTransaction.Item> items = new java.util.ArrayList<>(txn.events().size());
    for (ParsedTransaction.Item item : txn.events()) {
      ParsedTransaction.Item kept = storable(item, json);
      changed |= kept != item;
      items.add(kept);
    }
    return changed ? new ParsedTransaction(items, txn.skipped()) : txn;
  }
}
