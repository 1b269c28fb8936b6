package dev.switchboard.core.inbox;

import java.util.HashSet;
import java.util.Set;

/**
 * Finds the values of a transaction body that nest too deeply, on the bytes, without a JSON parser (whose own depth
 * limit is what failed): every value two levels down (an element of {@code events}, of {@code ephemeral}, ...) that
 * reaches past the limit is overwritten with {@code null} and spaces, so the body keeps its length and every other
 * event its byte offsets.
 */
final class DeepValues {
  private DeepValues() {}

  /**
   * @param body the blanked copy (the original when nothing was too deep)
   * @param starts byte offsets where blanked values began
   */
  record Blanked(byte[] body, Set<Integer> starts) {}

  /** @param maxDepth the deepest a document may nest, the top-level object being level 1 */
  static Blanked blank(byte[] raw, int maxDepth) {
    byte[] out = null;
    Set<Integer> starts = new HashSet<>();
    int depth = 0;
    int valueStart = -1;
    int deepest = 0;
    boolean inString = false;
    for (int i = 0; i < raw.length; i++) {
      byte b = raw[i];
      if (inString) {
        if (b == '\\') {
          i++; // the escaped byte is never structural (multi-byte UTF-8 bytes are all >= 0x80)
        } else if (b == '"') {
          inString = false;
        }
        continue;
      }
      switch (b) {
        case '"' -> inString = true;
        case '{', '[' -> {
          depth++;
          if (depth == 3) {
            valueStart = i;
            deepest = 3;
          }
          deepest = Math.max(deepest, depth);
        }
        case '}', ']' -> {
          if (depth == 3 && valueStart >= 0) {
            if (deepest > maxDepth) {
              out = out == null ? raw.clone() : out;
              java.util.Arrays.fill(out, valueStart, i + 1, (byte) ' ');
              out[valueStart] = 'n';
              out[valueStart + 1] = 'u';
              out[valueStart + 2] = 'l';
              out[valueStart + 3] = 'l';
              starts.add(valueStart);
            }
            valueStart = -1;
          }
          depth--;
        }
        default -> { }
      }
    }
    return new Blanked(out == null ? raw : out, Set.copyOf(starts));
  }
}
