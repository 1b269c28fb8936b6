package dev.switchboard.irc.format;

import java.util.Optional;

/**
 * The formatting in force at one point of an IRC line. Colours are mIRC colour numbers (0-98) or {@code #rrggbb}
 * from the hex colour code; empty means the client's default.
 */
public record IrcStyle(boolean bold, boolean italic, boolean underline, boolean strike, boolean monospace,
    Optional<String> fg, Optional<String> bg) {

  /** No formatting: the start of every IRC line. */
  public static final IrcStyle PLAIN = new IrcStyle(false, false, false, false, false, Optional.empty(),
      Optional.empty());

  public boolean isPlain() {
    return equals(PLAIN);
  }

  IrcStyle withBold(boolean on) {
    return new IrcStyle(on, italic, underline, strike, monospace, fg, bg);
  }

  IrcStyle withItalic(boolean on) {
    return new IrcStyle(bold, on, underline, strike, monospace, fg, bg);
  }

  IrcStyle withUnderline(boolean on) {
    return new IrcStyle(bold, italic, on, strike, monospace, fg, bg);
  }

  IrcStyle withStrike(boolean on) {
    return new IrcStyle(bold, italic, underline, on, monospace, fg, bg);
  }

  IrcStyle withMonospace(boolean on) {
    return new IrcStyle(bold, italic, underline, strike, on, fg, bg);
  }

  IrcStyle withColours(Optional<String> fg, Optional<String> bg) {
    return new IrcStyle(bold, italic, underline, strike, monospace, fg, bg);
  }
}
