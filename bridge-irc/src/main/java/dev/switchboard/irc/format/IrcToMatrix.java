package dev.switchboard.irc.format;

import dev.switchboard.core.event.HtmlText;
import dev.switchboard.core.id.UserId;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IRC text to Matrix: the plain {@code body} (codes removed) and, when the line has any formatting, an {@code
 * org.matrix.custom.html} {@code formatted_body}. Every run of text is escaped and wrapped in its own complete set of
 * tags, so the HTML is balanced whatever codes the line holds, and only tags and attributes from the Matrix spec's
 * list appear: {@code strong em u del code font[data-mx-color, data-mx-bg-color]}.
 */
public final class IrcToMatrix {
  private IrcToMatrix() {}

  /**
   * A message body, with HTML when the IRC line was formatted or mentions Matrix users.
   *
   * @param mentions the Matrix users mentioned by their IRC nick, for {@code m.mentions}
   */
  public record Text(String body, Optional<String> html, List<UserId> mentions) {
    public Text {
      mentions = List.copyOf(mentions);
    }
  }

  /** A nick as IRC clients tokenise them in text (RFC 2812 nick characters). */
  private static final Pattern NICK = Pattern.compile("[A-Za-z\\[\\]\\\\`_^{|}][A-Za-z0-9\\[\\]\\\\`_^{|}-]*");

  /** Without mentions. */
  public static Text convert(String ircLine) {
    return convert(ircLine, nick -> Optional.empty());
  }

  /**
   * @param matrixUserOf the Matrix user behind a nick (a puppet's), so a mention becomes a pill
   */
  public static Text convert(String ircLine, Function<String, Optional<UserId>> matrixUserOf) {
    IrcCodes.Parsed parsed = IrcCodes.parse(ircLine);
    String body = parsed.plain();
    Set<UserId> mentioned = new LinkedHashSet<>();
    for (IrcCodes.Run run : parsed.runs()) {
      Matcher m = NICK.matcher(run.text());
      while (m.find()) {
        matrixUserOf.apply(m.group()).ifPresent(mentioned::add);
      }
    }
    if (mentioned.isEmpty() && parsed.runs().stream().allMatch(r -> r.style().isPlain())) {
      return new Text(body, Optional.empty(), List.of());
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
      if (mentioned.isEmpty()) {
        HtmlText.escape(run.text(), html);
      } else {
        withPills(run.text(), matrixUserOf, html);
      }
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
    return new Text(body, Optional.of(html.toString()), List.copyOf(mentioned));
  }

  /** Escapes text, turning nicks of Matrix users into pills ({@code <a href="https://matrix.to/#/@user">nick</a>}). */
  private static void withPills(String text, Function<String, Optional<UserId>> matrixUserOf, StringBuilder html) {
    Matcher m = NICK.matcher(text);
    int at = 0;
    while (m.find()) {
      Optional<UserId> user = matrixUserOf.apply(m.group());
      if (user.isEmpty()) {
        continue;
      }
      HtmlText.escape(text.substring(at, m.start()), html);
      html.append("<a href=\"https://matrix.to/#/");
      HtmlText.escape(user.get().value(), html);
      html.append("\">");
      HtmlText.escape(m.group(), html);
      html.append("</a>");
      at = m.end();
    }
    HtmlText.escape(text.substring(at), html);
  }

  /** A colour as {@code #rrggbb}: mIRC numbers through the palette, hex colours as they are (already checked). */
  private static Optional<String> hex(String colour) {
    return colour.startsWith("#") ? Optional.of(colour) : IrcColours.hexOf(Integer.parseInt(colour));
  }
}
