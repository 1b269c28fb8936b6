package dev.switchboard.core.provisioning;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down guessing of the shared secret or of OpenID tokens: after {@code freeFailures} failed authentications
 * from one address, that address is refused for a while (429 with {@code Retry-After}), twice as long after each
 * further failure up to {@code cap}; a successful authentication forgets the address. IPv6 clients are counted by
 * their /64, which one host usually owns whole. Behind a reverse proxy every caller has the proxy's address: there,
 * throttle at the proxy and set {@code provisioning.failed_auth_limit: 0}.
 */
final class AuthBackoff {
  private static final int MAX_TRACKED = 10_000;

  private record Failures(int count, Instant blockedUntil, Instant lastFailure) {}

  private final int freeFailures;
  private final Duration first;
  private final Duration cap;
  private final Clock clock;
  private final Map<InetAddress, Failures> byAddress = new ConcurrentHashMap<>();

  /** @param freeFailures failures allowed before the first block; 0 turns the back-off off */
  AuthBackoff(int freeFailures, Duration first, Duration cap, Clock clock) {
    this.freeFailures = freeFailures;
    this.first = first;
    this.cap = cap;
    this.clock = clock;
  }

  /** How long {@code address} must still wait, if it is blocked. */
  Optional<Duration> blocked(InetAddress address) {
    if (freeFailures == 0) {
      return Optional.empty();
    }
    Failures f = byAddress.get(key(address));
    Instant now = clock.instant();
    return f == null || !now.isBefore(f.blockedUntil()) ? Optional.empty()
        : Optional.of(Duration.between(now, f.blockedUntil()));
  }

  void failed(InetAddress address) {
    if (freeFailures == 0) {
      return;
    }
    Instant now = clock.instant();
    if (byAddress.size() >= MAX_TRACKED) {
      forgetOld(now);
    }
    byAddress.compute(key(address), (k, f) -> {
      int count = (f == null || now.isAfter(f.lastFailure().plus(cap).plus(cap)) ? 0 : f.count()) + 1;
      Instant until = now;
      if (count >= freeFailures) {
        int doublings = Math.min(count - freeFailures, 30);
        Duration wait = first.multipliedBy(1L << doublings);
        until = now.plus(wait.compareTo(cap) > 0 ? cap : wait);
      }
      return new Failures(count, until, now);
    });
  }

  void succeeded(InetAddress address) {
    byAddress.remove(key(address));
  }

  private void forgetOld(Instant now) {
    byAddress.values().removeIf(f -> now.isAfter(f.lastFailure().plus(cap).plus(cap)));
    Iterator<InetAddress> it = byAddress.keySet().iterator();
    while (byAddress.size() >= MAX_TRACKED && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  private static InetAddress key(InetAddress address) {
    if (address instanceof Inet6Address v6) {
      byte[] prefix = java.util.Arrays.copyOf(v6.getAddress(), 16);
      java.util.Arrays.fill(prefix, 8, 16, (byte) 0);
      try {
        return InetAddress.getByAddress(prefix);
      } catch (UnknownHostException e) {
        return address;
      }
    }
    return address;
  }
}
