package dev.switchboard.irc.network;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IRCv3 {@code echo-message} for one connection: every PRIVMSG, NOTICE and CTCP ACTION we write is remembered until
 * the server echoes it back, which confirms that the server accepted it and gives us its {@code msgid}. Servers
 * handle a client's lines in order, so an echo confirms the oldest unconfirmed line to the same target (texts are
 * not compared: a server may strip colours). A refusal ({@code 404} cannot send to channel) removes that line
 * instead. What is still unconfirmed when the connection drops is logged; it is not sent again (lines still in the
 * flood queue go out after the reconnect, and a resend could duplicate).
 *
 * <p>Echoes are never relayed: the connection drops its own lines before they become events.
 */
final class EchoTracker {
  private static final Logger log = LoggerFactory.getLogger(EchoTracker.class);
  /** Lines remembered at most (a server that never echoes some lines must not make this grow). */
  static final int MAX_PENDING = 1000;

  private record Pending(String target, Consumer<Optional<String>> onEcho) {}

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

  /** A line to {@code target} was written while {@code echo-message} is on. */
  synchronized void written(String target, Consumer<Optional<String>> onEcho) {
    if (pending.size() >= MAX_PENDING) {
      pending.pollFirst();
    }
    pending.addLast(new Pending(key(target), onEcho));
  }

  /** The server echoed one of our lines to {@code target}. */
  void echoed(String target, Optional<String> msgId) {
    Pending p = take(target);
    if (p != null) {
      confirmed.incrementAndGet();
      if (p.onEcho() != null) {
        try {
          p.onEcho().accept(msgId);
        } catch (RuntimeException e) {
          log.warn("IRC {} ({}): handling an echo failed: {}", network, nick.get(), e.toString());
        }
      }
    }
  }

  /** The server refused a line to {@code target} (404). */
  void refused(String target, String why) {
    if (take(target) != null) {
      refused.incrementAndGet();
      log.warn("IRC {} ({}): the server refused a line to {}: {}", network, nick.get(),
          target.replaceAll("\\p{Cntrl}", "?"), why.replaceAll("\\p{Cntrl}", "?"));
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

  /** The connection dropped: forgets what is unconfirmed, and says how much. */
  void dropped() {
    int n;
    synchronized (this) {
      n = pending.size();
      pending.clear();
    }
    if (n > 0) {
      log.warn("IRC {} ({}): {} line(s) were not confirmed by the server (echo-message) when the connection "
          + "dropped; lines still queued are sent after the reconnect, others may be lost", network, nick.get(), n);
    }
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
