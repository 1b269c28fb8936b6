package dev.switchboard.irc.format;

import java.util.Optional;

/**
 * IRC text to Matrix: the plain {@code body} (codes removed) and, when the line has any formatting, an {@code
 * org.matrix.custom.html} {@code formatted_body}. Every run of text is escaped and wrapped in its own complete set of
 * tags, so the HTML is balanced whatever codes the line holds, and only tags and attributes from the Matrix spec's
 * list appear: {@code strong em u del code font[data-mx-color, data-mx-bg-color]}.
 */
public final class IrcToMatrix {
  private IrcToMatrix() {}

  /** A message body, with HTML when the IRC line was formatted. */
  public record Text(String body, Optional<String> html) {}

  public static Text convert(String ircLine) {
    IrcCodes.Parsed parsed = IrcCodes.parse(ircLine);
    String body = parsed.plain();
    if (parsed.runs().stream().allMatch(r -> r.style().isPlain())) {
      return new Text(body, Optional.empty());
    }
    StringBuilder html = new StringBuilder();
    for (IrcCodes.Run run : parsed.runs()) {
      IrcStyle s = run.style();
      Optional<String> fg = s.fg().flatMap(IrcToMatrix::hex);
      Optional<String> bg = s.bg().flatMap(IrcToMatrix::hex);
      boolean font = fg.isPresent() || bg.isPresent();
      if (s.bold()) {
        html.append("<strong>");
      }
      if (s.italic()) {
        html.append("<em>");
      }
      if (s.underline()) {
        html.append("<u>");
      }
      if (s.strike()) {
        html.append("<del>");
      }
      if (s.monospace()) {
        html.append("<code>");
      }
      if (font) {
        html.append("<font");
        fg.ifPresent(c -> html.append(" data-mx-color=\"").append(c).append('"'));
        bg.ifPresent(c -> html.append(" data-mx-bg-color=\"").append(c).append('"'));
        html.append('>');
      }
      escape(run.text(), html);
      if (font) {
        html.append("</font>");
      }
      if (s.monospace()) {
        html.append("</code>");
      }
      if (s.strike()) {
        html.append("</del>");
      }
      if (s.underline()) {
        html.append("</u>");
      }
      if (s.italic()) {
        html.append("</em>");
      }
      if (s.bold()) {
        html.append("</strong>");
      }
    }
    return new Text(body, Optional.of(html.toString()));
  }

  /** A colour as {@code #rrggbb}: mIRC numbers through the palette, hex colours as they are (already checked). */
  private static Optional<String> hex(String colour) {
    return colour.startsWith("#") ? Optional.of(colour) : IrcColours.hexOf(Integer.parseInt(colour));
  }

  static void escape(String text, StringBuilder out) {
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
