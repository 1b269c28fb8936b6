package dev.switchboard.irc.network;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IRCv3 {@code echo-message} for one connection: every PRIVMSG, NOTICE and CTCP ACTION we write is remembered until
 * the server echoes it back, which confirms that the server accepted it and gives us its {@code msgid}; only then is
 * the line delivered. Servers handle a client's lines in order, so an echo confirms the oldest unconfirmed line to
 * the same target (texts are not compared: a server may strip colours). A refusal ({@code 404} cannot send to
 * channel) refuses that line instead. What is still unconfirmed when the connection drops is failed (its event runs
 * again: the server may not have had it).
 *
 * <p>Echoes are never relayed: the connection drops its own lines before they become events.
 */
final class EchoTracker {
  private static final Logger log = LoggerFactory.getLogger(EchoTracker.class);
  /** Lines remembered at most (a server that never echoes some lines must not make this grow). */
  static final int MAX_PENDING = 1000;

  /** A written line waiting for its echo; each call ends the wait (the first one wins). */
  interface Awaiting {
    void echoed(Optional<String> msgId);

    void refused(String why);

    void dropped();
  }

  private record Pending(String target, Awaiting line) {}

  private final String network;
  private final java.util.function.Supplier<String> nick;
  private final Deque<Pending> pending = new ArrayDeque<>();
  private final AtomicLong confirmed = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

  EchoTracker(String network, java.util.function.Supplier<String> nick) {
    this.network = network;
    this.nick = nick;
  }

  private static String key(String target) {
    return target.toLowerCase(Locale.ROOT);
  }

  /** A line to {@code target} is about to be written while {@code echo-message} is on. */
  void written(String target, Awaiting line) {
    Pending overflow = null;
    synchronized (this) {
      if (pending.size() >= MAX_PENDING) {
        overflow = pending.pollFirst();
      }
      pending.addLast(new Pending(key(target), line));
    }
    if (overflow != null) {
      // Written long ago and never echoed: count it as delivered rather than keep its event waiting for ever.
      overflow.line().echoed(Optional.empty());
    }
  }

  /** Forgets a line that was never written after all (Kitteh refused it). */
  synchronized void forget(Awaiting line) {
    pending.removeIf(p -> p.line() == line);
  }

  /** The server echoed one of our lines to {@code target}. */
  void echoed(String target, Optional<String> msgId) {
    Pending p = take(target);
    if (p != null) {
      confirmed.incrementAndGet();
      try {
        p.line().echoed(msgId);
      } catch (RuntimeException e) {
        log.warn("IRC {} ({}): handling an echo failed: {}", network, nick.get(), e.toString());
      }
    }
  }

  /** The server refused a line to {@code target} (404). */
  void refused(String target, String why) {
    Pending p = take(target);
    if (p != null) {
      refused.incrementAndGet();
      log.warn("IRC {} ({}): the server refused a line to {}: {}", network, nick.get(),
          target.replaceAll("\\p{Cntrl}", "?"), why.replaceAll("\\p{Cntrl}", "?"));
      p.line().refused(why);
    }
  }

  private synchronized Pending take(String target) {
    String k = key(target);
    for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.target().equals(k)) {
        it.remove();
        return p;
      }
    }
    return null;
  }

  /** The connection dropped: what is unconfirmed fails (its events run again), and the log says how much. */
  void dropped() {
    List<Pending> lost;
    synchronized (this) {
      lost = new ArrayList<>(pending);
      pending.clear();
    }
    if (!lost.isEmpty()) {
      log.warn("IRC {} ({}): {} line(s) were not confirmed by the server (echo-message) when the connection "
          + "dropped; their events are sent again after the reconnect", network, nick.get(), lost.size());
    }
    lost.forEach(p -> p.line().dropped());
  }

  long confirmed() {
    return confirmed.get();
  }

  long refused() {
    return refused.get();
  }

  synchronized int unconfirmed() {
    return pending.size();
  }
}
