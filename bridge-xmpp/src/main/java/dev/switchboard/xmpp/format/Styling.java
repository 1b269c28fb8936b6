package dev.switchboard.xmpp.format;

import java.util.List;
import java.util.Optional;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * XEP-0393 message styling → Matrix HTML ({@code formatted_body}): {@code *strong*}, {@code _emphasis_},
 * {@code ~strike~}, {@code `code`} spans, {@code ```} preformatted blocks and {@code >} quotes. The HTML is built as
 * jsoup elements (text is escaped by jsoup, never concatenated) and uses only tags Matrix allows.
 *
 * <p>Spans follow XEP-0393 § 5.2: an opening directive starts the line or follows whitespace and is followed by
 * non-whitespace; the closing one follows non-whitespace; spans do not cross lines; nothing is styled inside
 * {@code `code`}. The directives stay in the plain body, as the XEP asks.
 */
public final class Styling {
  private Styling() {}

  /** The message as Matrix HTML; empty when it has no styling (then the plain body is all Matrix needs). */
  public static Optional<String> toHtml(String body) {
    if (body == null || body.isEmpty()) {
      return Optional.empty();
    }
    Document doc = new Document("");
    doc.outputSettings().prettyPrint(false);
    Element root = doc.appendElement("div");
    boolean styled = blocks(List.of(body.split("\n", -1)), root);
    return styled ? Optional.of(root.html()) : Optional.empty();
  }

  /** Renders lines into {@code parent}; true when any styling was found. */
  private static boolean blocks(List<String> lines, Element parent) {
    boolean styled = false;
    boolean needBreak = false;
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.startsWith("```")) {
        int end = i + 1;
        while (end < lines.size() && !lines.get(end).equals("```")) {
          end++;
        }
        parent.appendElement("pre").appendElement("code").appendText(String.join("\n", lines.subList(i + 1,
            Math.min(end, lines.size()))));
        styled = true;
        needBreak = false;
        i = end + 1;
        continue;
      }
      if (line.startsWith(">")) {
        int end = i;
        java.util.ArrayList<String> quoted = new java.util.ArrayList<>();
        while (end < lines.size() && lines.get(end).startsWith(">")) {
          String q = lines.get(end).substring(1);
          quoted.add(q.startsWith(" ") ? q.substring(1) : q);
          end++;
        }
        blocks(quoted, parent.appendElement("blockquote"));
        styled = true;
        needBreak = false;
        i = end;
        continue;
      }
      if (needBreak) {
        parent.appendElement("br");
      }
      styled |= spans(line, parent);
      needBreak = true;
      i++;
    }
    return styled;
  }

  /** Renders one line's spans into {@code parent}; true when any span was found. */
  private static boolean spans(String line, Element parent) {
    boolean styled = false;
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < line.length()) {
      char c = line.charAt(i);
      String tag = tagOf(c);
      if (tag != null && (i == 0 || Character.isWhitespace(line.charAt(i - 1)) || tagOf(line.charAt(i - 1)) != null)
          && i + 1 < line.length() && !Character.isWhitespace(line.charAt(i + 1))) {
        int close = -1;
        for (int j = i + 2; j < line.length(); j++) {
          if (line.charAt(j) == c && !Character.isWhitespace(line.charAt(j - 1))) {
            close = j;
            break;
          }
        }
        if (close > 0) {
          if (!text.isEmpty()) {
            parent.appendText(text.toString());
            text.setLength(0);
          }
          String inner = line.substring(i + 1, close);
          Element span = parent.appendElement(tag);
          if (c == '`') {
            span.appendText(inner);
          } else {
            spans(inner, span);
          }
          styled = true;
          i = close + 1;
          continue;
        }
      }
      text.append(c);
      i++;
    }
    if (!text.isEmpty()) {
      parent.appendText(text.toString());
    }
    return styled;
  }

  private static String tagOf(char c) {
    return switch (c) {
      case '*' -> "strong";
      case '_' -> "em";
      case '~' -> "del";
      case '`' -> "code";
      default -> null;
    };
  }
}
