package dev.switchboard.sip.call;

import java.util.HexFormat;
import java.util.random.RandomGenerator;

/** Random hex for SIP tags and call and party ids. */
final class RandomTokens {
  private RandomTokens() {}

  static String hex(RandomGenerator random, int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
