package dev.switchboard.core.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An event's JSON text, turned into a tree the first time something asks for it.
 *
 * <p>Why lazily: building Jackson trees for a transaction's events was over half of the CPU the acknowledging
 * thread spent in Java (docs/benchmarks.md, issue 19 goal 4), and nothing before the acknowledgement needs a tree:
 * {@link EventFields} reads what validation, storage and the secret scrubber need in one streaming pass. The tree is
 * then built by the dispatch thread of the event's room, in parallel with the next transaction's commit. The text
 * was checked to be one well-formed JSON value when the transaction was read, so building the tree cannot fail.
 */
public final class LazyEvent {
  private final byte[] body;
  private final int offset;
  private final int length;
  private final ObjectMapper json;
  private volatile JsonNode tree;

  private LazyEvent(byte[] body, int offset, int length, ObjectMapper json, JsonNode tree) {
    this.body = body;
    this.offset = offset;
    this.length = length;
    this.json = json;
    this.tree = tree;
  }

  /**
   * An event whose tree is built when first asked for, with {@code json}, from its UTF-8 bytes at
   * {@code offset..offset+length} of the transaction body (Jackson reads bytes faster than a String). The body is
   * kept until then: the caller must not change it.
   */
  static LazyEvent of(byte[] body, int offset, int length, ObjectMapper json) {
    return new LazyEvent(body, offset, length, json, null);
  }

  /** An event whose tree is already built (read back from the store, or made by a test). */
  public static LazyEvent of(JsonNode tree) {
    return new LazyEvent(null, 0, 0, null, tree);
  }

  /**
   * The event as a tree; the same instance on every call (a race of two first calls builds two equal trees and
   * keeps one).
   */
  public JsonNode tree() {
    JsonNode t = tree;
    if (t == null) {
      try {
        t = json.readTree(body, offset, length);
      } catch (java.io.IOException e) {
        throw new IllegalStateException("an event read from a parsed transaction no longer parses", e);
      }
      tree = t;
    }
    return t;
  }
}
