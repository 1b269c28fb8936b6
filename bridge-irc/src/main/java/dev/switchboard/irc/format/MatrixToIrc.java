package dev.switchboard.irc.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.UserId;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeFilter;
import org.jsoup.select.NodeTraversor;

/**
 * Matrix message content to IRC text with formatting codes. HTML from Matrix is hostile input: jsoup parses it (never
 * a regex), we only read text and a few known tags and attributes from the tree, and everything else is dropped or
 * reduced to its text; scripts and styles are skipped whole, and so is the {@code mx-reply} fallback. Pills
 * ({@code <a href="https://matrix.to/#/@user:server">}) become the IRC nick. The result may hold line breaks; {@link
 * IrcLines} splits it into safe lines afterwards.
 */
public final class MatrixToIrc {
  public static final String HTML_FORMAT = "org.matrix.custom.html";

  private static final Pattern USER_PILL = Pattern.compile("^https://matrix\\.to/#/([^/?]+)");
  private static final Pattern HEX = Pattern.compile("#[0-9a-fA-F]{6}");

  private MatrixToIrc() {}

  /**
   * The IRC text of a message's content: its HTML when it has some, else its body; a reply's fallback quote is left
   * out either way.
   *
   * @param nickOf the IRC nick that stands for a Matrix user (a ghost's nick, a puppet's nick), when there is one
   */
  public static String convert(JsonNode content, Function<UserId, Optional<String>> nickOf) {
    boolean reply = content.path("m.relates_to").path("m.in_reply_to").path("event_id").isTextual();
    JsonNode html = content.path("formatted_body");
    if (HTML_FORMAT.equals(content.path("format").asText()) && html.isTextual()) {
      return html(html.asText(), nickOf);
    }
    String body = content.path("body").asText("");
    return reply ? stripReplyFallback(body) : body;
  }

  /** Removes the {@code > <@user> quoted} lines and the blank line that replies put before their text. */
  static String stripReplyFallback(String body) {
    if (!body.startsWith("> ")) {
      return body;
    }
    String[] lines = body.split("\n", -1);
    int i = 0;
    while (i < lines.length && lines[i].startsWith("> ")) {
      i++;
    }
    if (i < lines.length && lines[i].isEmpty()) {
      i++;
    }
    return String.join("\n", java.util.Arrays.copyOfRange(lines, i, lines.length));
  }

  /** HTML to IRC text. */
  public static String html(String html, Function<UserId, Optional<String>> nickOf) {
    Writer writer = new Writer(nickOf);
    NodeTraversor.filter(writer, Jsoup.parseBodyFragment(html).body());
    return writer.result();
  }

  /** Walks the tree, keeping the style the text should have and writing codes only where it changes. */
  private static final class Writer implements NodeFilter {
    private final Function<UserId, Optional<String>> nickOf;
    private final StringBuilder out = new StringBuilder();
    private final Map<Node, Runnable> undo = new IdentityHashMap<>();
    private int bold;
    private int italic;
    private int underline;
    private int strike;
    private int mono;
    private int pre;
    private int quote;
    private Optional<String> fg = Optional.empty();
    private Optional<String> bg = Optional.empty();
    private IrcStyle written = IrcStyle.PLAIN;
    private boolean lineStart = true;

    Writer(Function<UserId, Optional<String>> nickOf) {
      this.nickOf = nickOf;
    }

    @Override
    public FilterResult head(Node node, int depth) {
      if (node instanceof TextNode t) {
        String text = t.getWholeText();
        if (pre > 0) {
          String[] parts = text.split("\r\n|[\r\n]", -1);
          for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
              newline();
            }
            text(parts[i]);
          }
        } else {
          text(text.replaceAll("\\s+", " "));
        }
        return FilterResult.CONTINUE;
      }
      if (!(node instanceof Element e)) {
        return FilterResult.SKIP_ENTIRELY; // comments, data nodes
      }
      switch (e.normalName()) {
        case "script", "style", "head", "title", "mx-reply", "template", "iframe", "object", "svg", "math" -> {
          return FilterResult.SKIP_ENTIRELY;
        }
        case "strong", "b" -> style(e, () -> bold++, () -> bold--);
        case "em", "i" -> style(e, () -> italic++, () -> italic--);
        case "u", "ins" -> style(e, () -> underline++, () -> underline--);
        case "del", "s", "strike" -> style(e, () -> strike++, () -> strike--);
        case "code" -> style(e, () -> mono++, () -> mono--);
        case "h1", "h2", "h3", "h4", "h5", "h6" -> {
          block();
          style(e, () -> bold++, () -> {
            bold--;
            block();
          });
        }
        case "pre" -> {
          block();
          style(e, () -> {
            pre++;
            mono++;
          }, () -> {
            pre--;
            mono--;
            block();
          });
        }
        case "blockquote" -> {
          block();
          style(e, () -> quote++, () -> {
            quote--;
            block();
          });
        }
        case "font", "span" -> colour(e);
        case "br" -> newline();
        case "hr" -> {
          block();
          text("---");
          newline();
        }
        case "li" -> {
          block();
          Element parent = e.parent();
          text(parent != null && parent.normalName().equals("ol") ? (e.elementSiblingIndex() + 1) + ". " : "• ");
          undo.put(e, this::block);
        }
        case "p", "div", "ul", "ol", "table", "tr", "details", "summary", "section", "article", "dl", "dt", "dd" -> {
          block();
          undo.put(e, this::block);
        }
        case "td", "th" -> {
          if (!lineStart) {
            text(" | ");
          }
        }
        case "img" -> {
          String alt = e.attr("alt");
          if (!alt.isBlank()) {
            text(alt);
          }
          return FilterResult.SKIP_CHILDREN;
        }
        case "a" -> {
          return link(e);
        }
        default -> { }
      }
      return FilterResult.CONTINUE;
    }

    @Override
    public FilterResult tail(Node node, int depth) {
      Runnable r = undo.remove(node);
      if (r != null) {
        r.run();
      }
      return FilterResult.CONTINUE;
    }

    private void style(Element e, Runnable on, Runnable off) {
      on.run();
      undo.put(e, off);
    }

    private void colour(Element e) {
      String colour = e.hasAttr("data-mx-color") ? e.attr("data-mx-color") : e.attr("color");
      String background = e.attr("data-mx-bg-color");
      boolean hasFg = HEX.matcher(colour).matches();
      boolean hasBg = HEX.matcher(background).matches();
      if (!hasFg && !hasBg) {
        return;
      }
      Optional<String> oldFg = fg;
      Optional<String> oldBg = bg;
      if (hasFg) {
        fg = Optional.of(Integer.toString(IrcColours.nearest(colour)));
      }
      if (hasBg) {
        bg = Optional.of(Integer.toString(IrcColours.nearest(background)));
      }
      undo.put(e, () -> {
        fg = oldFg;
        bg = oldBg;
      });
    }

    private FilterResult link(Element e) {
      String href = e.attr("href");
      Matcher pill = USER_PILL.matcher(href);
      if (pill.find()) {
        String id = URLDecoder.decode(pill.group(1), StandardCharsets.UTF_8);
        Optional<String> nick = Optional.empty();
        if (id.startsWith("@")) {
          try {
            nick = nickOf.apply(UserId.of(id));
          } catch (IllegalArgumentException notAUserId) {
            // a malformed pill: its text will do
          }
        }
        text(nick.orElse(e.text()));
        return FilterResult.SKIP_CHILDREN;
      }
      String label = e.text().strip();
      if ((href.startsWith("https://") || href.startsWith("http://") || href.startsWith("mailto:"))
          && !label.equals(href) && !("mailto:" + label).equals(href)) {
        undo.put(e, () -> text(" (" + href + ")"));
      }
      return FilterResult.CONTINUE;
    }

    private IrcStyle wanted() {
      Optional<String> f = fg.isEmpty() && bg.isPresent() ? Optional.of("99") : fg;
      return new IrcStyle(bold > 0, italic > 0, underline > 0, strike > 0, mono > 0, f, bg);
    }

    private void text(String text) {
      if (lineStart && pre == 0) {
        int i = 0;
        while (i < text.length() && text.charAt(i) == ' ') {
          i++;
        }
        text = text.substring(i);
      }
      if (text.isEmpty()) {
        return;
      }
      if (lineStart && quote > 0) {
        out.append("> ".repeat(quote));
      }
      IrcStyle want = wanted();
      if (!want.equals(written)) {
        boolean colourGone = written.fg().isPresent() && want.fg().isEmpty()
            || written.bg().isPresent() && want.bg().isEmpty();
        if (colourGone) {
          out.append(IrcCodes.RESET);
          written = IrcStyle.PLAIN;
        }
        toggle(written.bold(), want.bold(), IrcCodes.BOLD);
        toggle(written.italic(), want.italic(), IrcCodes.ITALIC);
        toggle(written.underline(), want.underline(), IrcCodes.UNDERLINE);
        toggle(written.strike(), want.strike(), IrcCodes.STRIKE);
        toggle(written.monospace(), want.monospace(), IrcCodes.MONOSPACE);
        if (want.fg().isPresent() && (!want.fg().equals(written.fg()) || !want.bg().equals(written.bg()))) {
          out.append(IrcCodes.colourCode(want.fg().get(), want.bg()));
          if (want.bg().isEmpty() && text.charAt(0) == ',') {
            // "\x0304,5" would read as a background colour: an empty bold pair ends the code.
            out.append(IrcCodes.BOLD).append(IrcCodes.BOLD);
          }
        }
        written = want;
      }
      out.append(text);
      lineStart = false;
    }

    private void toggle(boolean was, boolean is, char code) {
      if (was != is) {
        out.append(code);
      }
    }

    private void newline() {
      while (!out.isEmpty() && out.charAt(out.length() - 1) == ' ') {
        out.setLength(out.length() - 1);
      }
      out.append('\n');
      written = IrcStyle.PLAIN;
      lineStart = true;
    }

    private void block() {
      if (!lineStart) {
        newline();
      }
    }

    /** The text without leading or trailing spaces and line breaks (not {@code strip()}: it would eat 0x1D-0x1F). */
    String result() {
      int start = 0;
      int end = out.length();
      while (start < end && (out.charAt(start) == ' ' || out.charAt(start) == '\n')) {
        start++;
      }
      while (end > start && (out.charAt(end - 1) == ' ' || out.charAt(end - 1) == '\n')) {
        end--;
      }
      return out.substring(start, end);
    }
  }
}
