package dev.switchboard.irc.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * IRC formatting control codes (https://modern.ircdocs.horse/formatting): bold 0x02, italics 0x1D, underline 0x1F,
 * strikethrough 0x1E, monospace 0x11, colour 0x03 ({@code fg[,bg]}, one or two digits each), hex colour 0x04
 * ({@code RRGGBB[,RRGGBB]}), reverse 0x16 (ignored) and reset 0x0F. Formatting ends with the line.
 */
public final class IrcCodes {
  public static final char BOLD = 0x02;
  public static final char ITALIC = 0x1D;
  public static final char UNDERLINE = 0x1F;
  public static final char STRIKE = 0x1E;
  public static final char MONOSPACE = 0x11;
  public static final char COLOUR = 0x03;
  public static final char HEX_COLOUR = 0x04;
  public static final char REVERSE = 0x16;
  public static final char RESET = 0x0F;

  private IrcCodes() {}

  /** A stretch of text in one style. */
  public record Run(String text, IrcStyle style) {}

  /** A line split into styled runs, and the style in force at its end (for carrying it to a continuation). */
  public record Parsed(List<Run> runs, IrcStyle end) {
    /** The text without any codes. */
    public String plain() {
      StringBuilder b = new StringBuilder();
      runs.forEach(r -> b.append(r.text()));
      return b.toString();
    }
  }

  /**
   * Parses a line. Other C0 control characters (apart from tab) are dropped: they have no meaning on IRC and no
   * place in Matrix text.
   */
  public static Parsed parse(String line) {
    List<Run> runs = new ArrayList<>();
    IrcStyle style = IrcStyle.PLAIN;
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < line.length()) {
      char c = line.charAt(i);
      IrcStyle next = style;
      int consumed = 1;
      switch (c) {
        case BOLD -> next = style.withBold(!style.bold());
        case ITALIC -> next = style.withItalic(!style.italic());
        case UNDERLINE -> next = style.withUnderline(!style.underline());
        case STRIKE -> next = style.withStrike(!style.strike());
        case MONOSPACE -> next = style.withMonospace(!style.monospace());
        case RESET -> next = IrcStyle.PLAIN;
        case REVERSE -> { }
        case COLOUR -> {
          int j = i + 1;
          int fgEnd = digits(line, j, 2);
          if (fgEnd == j) {
            next = style.withColours(Optional.empty(), Optional.empty());
          } else {
            Optional<String> fg = Optional.of(Integer.toString(Integer.parseInt(line.substring(j, fgEnd))));
            Optional<String> bg = style.bg();
            j = fgEnd;
            if (j + 1 < line.length() && line.charAt(j) == ',' && digits(line, j + 1, 2) > j + 1) {
              int bgEnd = digits(line, j + 1, 2);
              bg = Optional.of(Integer.toString(Integer.parseInt(line.substring(j + 1, bgEnd))));
              j = bgEnd;
            }
            next = style.withColours(fg, bg);
          }
          consumed = j - i;
        }
        case HEX_COLOUR -> {
          int j = i + 1;
          if (hex(line, j)) {
            Optional<String> fg = Optional.of("#" + line.substring(j, j + 6).toLowerCase(java.util.Locale.ROOT));
            Optional<String> bg = style.bg();
            j += 6;
            if (j < line.length() && line.charAt(j) == ',' && hex(line, j + 1)) {
              bg = Optional.of("#" + line.substring(j + 1, j + 7).toLowerCase(java.util.Locale.ROOT));
              j += 7;
            }
            next = style.withColours(fg, bg);
          } else {
            next = style.withColours(Optional.empty(), Optional.empty());
          }
          consumed = j - i;
        }
        default -> {
          if (c >= 0x20 || c == '\t') {
            text.append(c);
          }
        }
      }
      if (!next.equals(style)) {
        if (!text.isEmpty()) {
          runs.add(new Run(text.toString(), style));
          text.setLength(0);
        }
        style = next;
      }
      i += consumed;
    }
    if (!text.isEmpty()) {
      runs.add(new Run(text.toString(), style));
    }
    return new Parsed(runs, style);
  }

  /** The codes that turn plain text into {@code style}: what a continuation line starts with. */
  public static String codesFor(IrcStyle style) {
    StringBuilder b = new StringBuilder();
    if (style.bold()) {
      b.append(BOLD);
    }
    if (style.italic()) {
      b.append(ITALIC);
    }
    if (style.underline()) {
      b.append(UNDERLINE);
    }
    if (style.strike()) {
      b.append(STRIKE);
    }
    if (style.monospace()) {
      b.append(MONOSPACE);
    }
    if (style.fg().isPresent()) {
      b.append(colourCode(style.fg().get(), style.bg()));
    }
    return b.toString();
  }

  /**
   * The colour code for a foreground and optional background, always with two-digit numbers so text starting with
   * a digit cannot be read as part of it. Hex colours use 0x04.
   */
  static String colourCode(String fg, Optional<String> bg) {
    if (fg.startsWith("#") || bg.map(x -> x.startsWith("#")).orElse(false)) {
      String f = fg.startsWith("#") ? fg.substring(1) : IrcColours.hex(Integer.parseInt(fg)).substring(1);
      String back = bg.map(x -> x.startsWith("#") ? x.substring(1) : IrcColours.hex(Integer.parseInt(x)).substring(1))
          .map(x -> "," + x).orElse("");
      return HEX_COLOUR + f + back;
    }
    return COLOUR + two(fg) + bg.map(x -> "," + two(x)).orElse("");
  }

  private static String two(String n) {
    return n.length() == 1 ? "0" + n : n;
  }

  /**
   * Lines cut from one longer line lose its formatting after the cut, because IRC clients reset formatting at each
   * line: each continuation starts with the codes of the style in force where the previous one ended.
   */
  public static List<String> carryOver(List<String> lines) {
    List<String> out = new ArrayList<>(lines.size());
    IrcStyle carried = IrcStyle.PLAIN;
    for (String line : lines) {
      String withStyle = codesFor(carried) + line;
      out.add(withStyle);
      carried = parse(withStyle).end();
    }
    return out;
  }

  private static int digits(String s, int from, int max) {
    int j = from;
    while (j < s.length() && j - from < max && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
      j++;
    }
    return j;
  }

  private static boolean hex(String s, int from) {
    if (from + 6 > s.length()) {
      return false;
    }
    for (int k = from; k < from + 6; k++) {
      if (Character.digit(s.charAt(k), 16) < 0) {
        return false;
      }
    }
    return true;
  }
}
