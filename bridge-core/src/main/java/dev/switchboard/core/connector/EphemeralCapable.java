package dev.switchboard.core.connector;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;

/**
 * A connector that wants ephemeral events (typing, receipts, presence) of its linked rooms. They reach us only
 * when the registration asks for them ({@code receive_ephemeral}, and the unstable MSC2409 flag for older Synapse).
 */
public interface EphemeralCapable {
  /** An EDU such as {@code m.typing} or {@code m.receipt} in a room with a link of this connector. */
  CompletableFuture<Void> onEphemeralEvent(JsonNode event, Link link);
}
