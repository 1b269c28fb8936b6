package dev.switchboard.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Which addresses the bridge may reach when a user names the destination (OpenID discovery, SIP addresses, XMPP
 * media URLs): never loopback, private, link-local, unique-local, carrier-grade NAT, multicast or reserved ones.
 *
 * <p>For OpenID, it keeps server discovery ({@code openid_other_servers: any}) off the bridge's own network: a server name
 * anyone can put in a request must not make the bridge call loopback, private (RFC 1918, ULA), link-local
 * (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast or reserved addresses. A name is refused when
 * any of its addresses is such. The JDK client resolves the name again when it connects; the JVM's address cache
 * (30 s by default) usually answers it with what was checked here, but a rebinding DNS server can still race it,
 * so servers that must be reached on private addresses are configured in {@code openid_server_urls} instead.
 */
public final class PublicAddresses {
  /** DNS look-ups block: a few threads of their own, never an event loop. */
  private static final Executor LOOKUPS = lookups();

  private PublicAddresses() {}

  /** Completes when every address of {@code host} is public; fails with {@link NotPublic} otherwise. */
  public static CompletableFuture<Void> check(String host) {
    return CompletableFuture.runAsync(() -> {
      InetAddress[] addresses;
      try {
        addresses = InetAddress.getAllByName(host);
      } catch (UnknownHostException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
      for (InetAddress a : addresses) {
        if (!isPublic(a)) {
          throw new NotPublic(host);
        }
      }
    }, LOOKUPS);
  }

  /** The host resolves to an address discovery must not reach. */
  public static final class NotPublic extends RuntimeException {
    NotPublic(String host) {
      super(host + " resolves to an address that is not public");
    }
  }

  /** Whether {@code a} is an address on the public internet (the embedded IPv4 decides for mapped and NAT64 ones). */
  public static boolean isPublic(InetAddress a) {
    if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return isPublicV4(b);
    }
    if (a instanceof Inet6Address) {
      int first = b[0] & 0xff;
      if ((first & 0xfe) == 0xfc) {
        return false; // fc00::/7, unique local
      }
      if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && (b[3] & 0xff) == 0xb8) {
        return false; // 2001:db8::/32, documentation
      }
      if (isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff || isZero(b, 0, 12)) {
        return isPublicV4(java.util.Arrays.copyOfRange(b, 12, 16)); // IPv4-mapped and -compatible
      }
      if (b[0] == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && isZero(b, 4, 12)) {
        return isPublicV4(java.util.Arrays.copyOfRange(b, 12, 16)); // 64:ff9b::/96, NAT64
      }
      return true;
    }
    return false;
  }

  private static boolean isPublicV4(byte[] b) {
    int o1 = b[0] & 0xff;
    int o2 = b[1] & 0xff;
    return !(o1 == 0 || o1 == 10 || o1 == 127 || o1 >= 224 // this network, private, loopback, multicast+reserved
        || o1 == 100 && o2 >= 64 && o2 <= 127 // carrier-grade NAT
        || o1 == 169 && o2 == 254 // link-local, cloud metadata
        || o1 == 172 && o2 >= 16 && o2 <= 31
        || o1 == 192 && o2 == 168
        || o1 == 192 && o2 == 0 && (b[2] & 0xff) == 0 // IETF protocol assignments
        || o1 == 198 && (o2 == 18 || o2 == 19)); // benchmarking
  }

  private static boolean isZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static Executor lookups() {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1000),
        r -> {
          Thread t = new Thread(r, "openid-dns");
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
