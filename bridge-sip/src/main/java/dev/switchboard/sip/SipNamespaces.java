package dev.switchboard.sip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import java.util.List;

/** The namespaces the Sip connector claims: ghosts {@code @_sip_...}, prefixes configurable. */
public final class SipNamespaces {
  private SipNamespaces() {}

  /**
   * The third-party protocol ids of phone numbers that clients' dial pads look up (Element asks for both), besides
   * {@code sip}; they belong in the registration's {@code protocols} so the homeserver asks the bridge.
   */
  public static final List<String> PSTN_PROTOCOLS = List.of("m.protocol.pstn", "im.vector.protocol.pstn");

  /** Namespaces from the {@code sip:} config section ({@code user_prefix}, {@code alias_prefix}). */
  public static Namespaces of(JsonNode config, String domain) {
    return of(text(config, "user_prefix", "_sip_"), domain);
  }

  /** Namespaces for ghosts with this localpart prefix. */
  public static Namespaces of(String userPrefix, String domain) {
    return new Namespaces(List.of(NamespaceRegex.users(userPrefix, domain)), List.of(), List.of());
  }

  private static String text(JsonNode config, String field, String fallback) {
    JsonNode v = config.path(field);
    return v.isTextual() && !v.asText().isBlank() ? v.asText() : fallback;
  }
}
