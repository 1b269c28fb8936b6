package dev.switchboard.sip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigSection;
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

  /** Namespaces from the {@code sip:} config section: its {@code user_prefix}, read as {@link SipConfig} reads it. */
  public static Namespaces of(JsonNode config, String domain) {
    return of(SipConfig.userPrefix(ConfigSection.of(config, "sip")), domain);
  }

  /** Namespaces of the parsed section: ghosts with its {@code user_prefix}. */
  public static Namespaces of(SipConfig config, String domain) {
    return of(config.userPrefix(), domain);
  }

  private static Namespaces of(String userPrefix, String domain) {
    return new Namespaces(List.of(NamespaceRegex.users(userPrefix, domain)), List.of(), List.of());
  }
}
