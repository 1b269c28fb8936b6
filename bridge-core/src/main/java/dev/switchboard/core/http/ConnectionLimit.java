package dev.switchboard.core.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps a listener's open connections at {@link ListenerLimits#maxConnections()}. A new connection beyond the limit
 * closes the connection that has waited longest for its client (idle, or trickling a request), so a flood of idle
 * connections cannot lock out the homeserver: its next connection simply displaces the oldest of them. Only when
 * every connection is waiting for the bridge itself is the new one refused.
 */
final class ConnectionLimit {
  private final String name;
  private final int max;
  private final Set<Exchange> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger count = new AtomicInteger();

  ConnectionLimit(String name, int max) {
    this.name = name;
    this.max = max;
  }

  /** Counts the connection in (closing another if need be), or returns false when it must be closed instead. */
  boolean admit(Exchange exchange) {
    if (count.incrementAndGet() > max) {
      Exchange victim = longestWaiting();
      if (victim == null) {
        count.decrementAndGet();
        HttpListener.refusedConnections.warn("{}: refused a connection from {}: all {} connections are busy",
            name, exchange.channel().remoteAddress(), max);
        return false;
      }
      HttpListener.refusedConnections.warn("{}: {} connections open (the limit); closed the longest-idle one, from "
          + "{}, for a new one from {}", name, max, victim.channel().remoteAddress(),
          exchange.channel().remoteAddress());
    }
    open.add(exchange);
    exchange.channel().closeFuture().addListener(f -> {
      if (open.remove(exchange)) {
        count.decrementAndGet();
      }
    });
    return true;
  }

  /** Removes the chosen connection from the count at once (its close completes later, on its own loop). */
  private Exchange longestWaiting() {
    while (true) {
      Exchange oldest = null;
      for (Exchange e : open) {
        if (e.evictable() && (oldest == null || e.lastActivity() - oldest.lastActivity() < 0)) {
          oldest = e;
        }
      }
      if (oldest == null) {
        return null;
      }
      if (open.remove(oldest)) {
        count.decrementAndGet();
        oldest.channel().close();
        return oldest;
      }
    }
  }

  int open() {
    return count.get();
  }
}
