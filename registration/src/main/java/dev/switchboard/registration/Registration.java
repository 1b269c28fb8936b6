package dev.switchboard.registration;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The application-service registration file, as the spec defines it
 * ({@code data/api/application-service/definitions/registration.yaml}).
 *
 * <p>{@code de.sorunome.msc2409.push_ephemeral} is the unstable name older Synapse releases read instead of
 * {@code receive_ephemeral}; we always write both so ephemeral events reach us on either.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"id", "url", "as_token", "hs_token", "sender_localpart", "namespaces", "rate_limited",
    "protocols", "receive_ephemeral", "de.sorunome.msc2409.push_ephemeral"})
public record Registration(
    @JsonProperty("id") String id,
    @JsonProperty("url") String url,
    @JsonProperty("as_token") String asToken,
    @JsonProperty("hs_token") String hsToken,
    @JsonProperty("sender_localpart") String senderLocalpart,
    @JsonProperty("namespaces") Namespaces namespaces,
    @JsonProperty("rate_limited") Boolean rateLimited,
    @JsonProperty("protocols") List<String> protocols,
    @JsonProperty("receive_ephemeral") Boolean receiveEphemeral,
    @JsonProperty("de.sorunome.msc2409.push_ephemeral") Boolean pushEphemeral) {

  public Registration {
    namespaces = namespaces == null ? Namespaces.empty() : namespaces;
    protocols = protocols == null ? List.of() : List.copyOf(protocols);
  }

  /** This registration with the namespaces and protocols replaced, tokens and id kept. */
  public Registration withClaims(String newUrl, String newSenderLocalpart, Namespaces newNamespaces,
      List<String> newProtocols) {
    return new Registration(id, newUrl, asToken, hsToken, newSenderLocalpart, newNamespaces, false, newProtocols,
        true, true);
  }

  @Override
  public String toString() {
    // Never print the tokens.
    return "Registration[id=" + id + ", url=" + url + ", sender_localpart=" + senderLocalpart + ", namespaces="
        + namespaces + ", protocols=" + protocols + "]";
  }
}
