package dev.switchboard.sip;

import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import dev.switchboard.sip.config.SipConfig;
import java.util.List;

/** The namespaces the Sip connector claims: ghosts {@code @_sip_...}, prefixes configurable. */
public final class SipNamespaces {
  private SipNamespaces() {}

  /**
   * The third-party protocol ids of phone numbers that clients' dial pads look up (Element asks for both), besides
   * {@code sip}; they belong in the registration's {@code protocols} so the homeserver asks the bridge.
   */
  public static final List<String> PSTN_PROTOCOLS = List.of("m.protocol.pstn", "im.vector.protocol.pstn");

  /** Namespaces of the parsed section: ghosts with its {@code user_prefix}. */
  public static Namespaces of(SipConfig config, String domain) {
    return of(config.userPrefix(), domain);
  }

  /** Namespaces for ghosts with {@code userPrefix} (the registration reads only the prefix, {@link SipConfig#userPrefix}). */
  public static Namespaces of(String userPrefix, String domain) {
    return new Namespaces(List.of(NamespaceRegex.users(userPrefix, domain)), List.of(), List.of());
  }
}
