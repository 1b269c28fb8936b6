package dev.switchboard.sip.address;

import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.config.SipConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Which Matrix user a call from a phone is for, from the user part of its request URI:
 *
 * <ol>
 *   <li>a number listed in {@code sip.inbound.numbers} (a DID the trunk delivers), in any spelling that normalises
 *       to the same E.164 number;
 *   <li>otherwise, when {@code sip.inbound.matrix_ids} is on, a Matrix user id of this homeserver, escaped the way
 *       ghost names are ({@code =40alice=3aexample.org}) or percent-encoded ({@code %40alice%3Aexample.org}).
 * </ol>
 *
 * Users of other homeservers and the bridge's own ghosts are never callees: a phone must not ring across
 * federation or loop back into the bridge. Nor are users the bridge's permissions do not let use it as a user
 * (level {@code none} or {@code relay}): a phone must not ring, or open a room with, someone the bridge does not
 * serve. Such a callee is "not found", the same answer as a user that does not exist, so callers learn nothing.
 */
public final class Callees {
  private final SipConfig.Inbound inbound;
  private final PhoneNumbers numbers;
  private final GhostNames ghosts;
  private final String serverName;
  private final Predicate<UserId> reachable;

  /** A phone may reach every local user (tests of the address rules alone). */
  public Callees(SipConfig.Inbound inbound, PhoneNumbers numbers, GhostNames ghosts, String serverName) {
    this(inbound, numbers, ghosts, serverName, user -> true);
  }

  /** @param reachable whether the bridge may ring or text this (local) user for a phone */
  public Callees(SipConfig.Inbound inbound, PhoneNumbers numbers, GhostNames ghosts, String serverName,
      Predicate<UserId> reachable) {
    this.inbound = inbound;
    this.numbers = numbers;
    this.ghosts = ghosts;
    this.serverName = serverName;
    this.reachable = reachable;
  }

  public Optional<UserId> calleeOf(String uriUser) {
    return addressee(uriUser).filter(reachable);
  }

  private Optional<UserId> addressee(String uriUser) {
    if (uriUser == null || uriUser.isEmpty()) {
      return Optional.empty();
    }
    Optional<UserId> byNumber = numbers.normalise(uriUser).map(n -> inbound.numbers().get(n.e164()));
    if (byNumber.isPresent() || !inbound.matrixIds()) {
      return byNumber;
    }
    try {
      String decoded = percentDecode(uriUser);
      if (!decoded.startsWith("@")) {
        decoded = GhostNames.unescape(decoded);
      }
      if (!decoded.startsWith("@")) {
        return Optional.empty();
      }
      UserId user = UserId.of(decoded);
      if (!user.server().equals(serverName) || ghosts.dialableOf(user).isPresent()) {
        return Optional.empty();
      }
      return Optional.of(user);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** RFC 3986 percent-decoding; unlike form decoding, {@code +} stays {@code +}. */
  static String percentDecode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw new IllegalArgumentException("truncated percent escape");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("bad percent escape");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
