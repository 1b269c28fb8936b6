package dev.switchboard.core.event;

/**
 * Plain text inside Matrix HTML ({@code formatted_body}): the characters that would read as markup are escaped, so a
 * remote user's {@code <b>} shows as typed.
 */
public final class HtmlText {
  private HtmlText() {
  }

  /** Appends {@code text} to {@code out}, escaped. */
  public static void escape(String text, StringBuilder out) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
  }
}
