package dev.switchboard.irc.membership;

import java.time.Duration;

/**
 * Quit debouncing for one network: during a netsplit hundreds of users "quit" and come back minutes later, and
 * making each of their ghosts leave and rejoin floods every bridged room. A quit is held back for {@code delay} when
 * its message has the shape servers give netsplit quits ({@code irc.a.net irc.b.net}) or when more than {@code
 * quitsPerSecond} quits arrive within a second; if the user joins again in time, their ghost never leaves.
 */
public record NetsplitConfig(Duration delay, int quitsPerSecond) {
  /** Hold for 5 minutes; more than 5 quits a second count as a mass quit. */
  public static final NetsplitConfig DEFAULT = new NetsplitConfig(Duration.ofMinutes(5), 5);
}
