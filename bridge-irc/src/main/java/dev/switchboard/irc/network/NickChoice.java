package dev.switchboard.irc.network;

import dev.switchboard.irc.puppet.PuppetNick;

/**
 * The nick a connection has or is asking for: the wanted one, suffixed after each collision, and asked for within 9
 * characters once the server refused a longer one.
 */
final class NickChoice {
  private final String wanted;
  // Guarded by this.
  private int attempt;
  private int limit;
  private String current;

  /** @param limit the longest nick to ask for until the server refuses it as erroneous */
  NickChoice(String wanted, int limit) {
    this.wanted = wanted;
    this.limit = limit;
    this.current = PuppetNick.candidate(wanted, 0, limit);
  }

  synchronized String current() {
    return current;
  }

  /** The server gave us {@code nick} (registered, or took a nick change). */
  synchronized void is(String nick) {
    current = nick;
  }

  /** The server refused the nick we asked for with {@code numeric}: the next one to ask for. */
  synchronized String rejected(String numeric) {
    // 432 (erroneous nickname) is what servers answer a nick longer than their NICKLEN, which we may not
    // know yet: fall back to RFC 2812's 9, which every server accepts.
    if ("432".equals(numeric) && limit > PuppetNick.RFC_NICK_LENGTH) {
      limit = PuppetNick.RFC_NICK_LENGTH;
    } else {
      attempt++;
    }
    current = PuppetNick.candidate(wanted, attempt, limit);
    return current;
  }
}
