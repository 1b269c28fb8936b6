package dev.switchboard.sip.address;

import dev.switchboard.core.id.UserId;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Ghost user ids for numbers and SIP addresses, and back: {@code @_sip_+442071234567:example.org} is the number,
 * {@code @_sip_alice=40pbx.example.org:example.org} is {@code alice@pbx.example.org}, and
 * {@code @_sip_bob=40192.0.2.10=3a5062:example.org} is {@code bob@192.0.2.10:5062} (a port other than the default is
 * part of the address, escaped like any other {@code :}; an address without one keeps the name it always had).
 *
 * <p>Escaping keeps the localpart within Matrix's grammar ({@code a-z 0-9 . _ = - / +}): every other byte of the
 * UTF-8 form, upper-case letters included, becomes {@code =xx} in lower-case hex, and {@code =} itself becomes
 * {@code =3d}, so the mapping is reversible. A localpart of {@code +} and digits is always a number; a SIP address
 * always contains {@code =40} (its {@code @}), so the two never collide.
 */
public final class GhostNames {
  private final String prefix;
  private final String domain;

  public GhostNames(String prefix, String domain) {
    this.prefix = prefix;
    this.domain = domain;
  }

  public UserId ghostOf(Dialable dialable) {
    String local = dialable instanceof Dialable.Number n ? n.e164() : escape(dialable.toString());
    return UserId.of(prefix + local, domain);
  }

  /** What the ghost stands for; empty for ids outside our namespace or that do not decode. */
  public Optional<Dialable> dialableOf(UserId ghost) {
    if (!ghost.server().equals(domain) || !ghost.localpart().startsWith(prefix)) {
      return Optional.empty();
    }
    String local = ghost.localpart().substring(prefix.length());
    try {
      if (local.startsWith("+")) {
        return Optional.of(new Dialable.Number(local));
      }
      Dialable.SipAddress sip = Dialable.SipAddress.parse(unescape(local));
      // Only the canonical spelling names a ghost, so that one address has one ghost.
      return escape(sip.toString()).equals(local) ? Optional.of(sip) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/'
          || c == '+') {
        out.append((char) c);
      } else {
        out.append('=').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
      }
    }
    return out.toString();
  }

  static String unescape(String s) {
    byte[] out = new byte[s.length()];
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '=') {
        if (i + 2 >= s.length()) {
          throw new IllegalArgumentException("truncated escape in '" + s + "'");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("bad escape in '" + s + "'");
        }
        out[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else {
        out[n++] = (byte) c;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }
}
