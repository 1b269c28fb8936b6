package dev.switchboard.irc.membership;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Decides whether a quit takes effect now or after the netsplit delay, and cancels a held quit when the user comes
 * back. Held quits run on {@code serial} (the network's relay executor) so they stay in order with everything else.
 */
public final class QuitDebounce {
  /**
   * What servers send for users lost in a netsplit: the two server names (or {@code *.net *.split} where servers
   * hide their names). User quit messages on most networks
   * start with "Quit: ", so users cannot fake this shape there; where they can (ngircd passes user text through),
   * the worst case is a ghost that stays for the delay.
   */
  private static final Pattern NETSPLIT = Pattern.compile("[\\w.*-]+\\.[\\w*-]+ [\\w.*-]+\\.[\\w*-]+");

  private final NetsplitConfig config;
  private final ScheduledExecutorService scheduler;
  private final Executor serial;
  private final LongSupplier nanoTime;
  private final Deque<Long> recentQuits = new ArrayDeque<>();
  private final Map<String, ScheduledFuture<?>> held = new HashMap<>();

  public QuitDebounce(NetsplitConfig config, ScheduledExecutorService scheduler, Executor serial,
      LongSupplier nanoTime) {
    this.config = config;
    this.scheduler = scheduler;
    this.serial = serial;
    this.nanoTime = nanoTime;
  }

  /**
   * A user quit: runs {@code leave} now, or holds it for the delay during a netsplit or mass quit.
   *
   * @return true when the quit is held
   */
  public synchronized boolean quit(String nick, String message, Runnable leave) {
    long now = nanoTime.getAsLong();
    recentQuits.addLast(now);
    while (!recentQuits.isEmpty() && now - recentQuits.peekFirst() > TimeUnit.SECONDS.toNanos(1)) {
      recentQuits.pollFirst();
    }
    boolean split = NETSPLIT.matcher(message == null ? "" : message.strip()).matches()
        || recentQuits.size() > config.quitsPerSecond();
    if (!split) {
      leave.run();
      return false;
    }
    hold(nick, leave);
    return true;
  }

  private void hold(String nick, Runnable leave) {
    String key = key(nick);
    ScheduledFuture<?> previous = held.remove(key);
    if (previous != null) {
      previous.cancel(false);
    }
    held.put(key, scheduler.schedule(() -> serial.execute(() -> {
      synchronized (this) {
        if (held.remove(key) == null) {
          return; // came back in the meantime
        }
      }
      leave.run();
    }), config.delay().toMillis(), TimeUnit.MILLISECONDS));
  }

  /**
   * A quit the server announced as part of a netsplit (an IRCv3 {@code netsplit} batch): held for the delay whatever
   * its message and the quit rate, unless the delay is 0 (debouncing off).
   */
  public synchronized void splitQuit(String nick, Runnable leave) {
    if (config.delay().isZero()) {
      leave.run();
      return;
    }
    hold(nick, leave);
  }

  /** The user is back (joined or listed in a channel): a held quit is dropped. Returns whether there was one. */
  public synchronized boolean back(String nick) {
    ScheduledFuture<?> pending = held.remove(key(nick));
    if (pending != null) {
      pending.cancel(false);
      return true;
    }
    return false;
  }

  /** Whether a quit of {@code nick} is being held. */
  public synchronized boolean isHeld(String nick) {
    return held.containsKey(key(nick));
  }

  private static String key(String nick) {
    return nick.toLowerCase(Locale.ROOT);
  }
}
