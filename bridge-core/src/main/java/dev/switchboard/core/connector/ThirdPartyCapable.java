package dev.switchboard.core.connector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A connector that answers the homeserver's third-party lookups ({@code /_matrix/app/v1/thirdparty/...}).
 * Bodies follow the spec's {@code protocol}, {@code location} and {@code user} definitions.
 */
public interface ThirdPartyCapable {

  /**
   * Further protocol ids whose lookups this connector answers besides its own {@code protocol()}, e.g. the
   * {@code m.protocol.pstn} that clients' dial pads ask for. They go into the registration's {@code protocols} too.
   */
  default List<String> thirdPartyProtocolIds() {
    return List.of();
  }

  /** The {@code Protocol} object: user_fields, location_fields, icon, field_types, instances. */
  ObjectNode thirdPartyProtocol();

  /** Locations (portal aliases) matching the given protocol fields. */
  CompletableFuture<ArrayNode> thirdPartyLocations(Map<String, String> fields);

  /** Remote users matching the given protocol fields. */
  CompletableFuture<ArrayNode> thirdPartyUsers(Map<String, String> fields);

  /** Reverse lookup: which remote room an alias stands for. */
  CompletableFuture<ArrayNode> thirdPartyLocationsForAlias(String alias);

  /** Reverse lookup: which remote user a Matrix user id stands for. */
  CompletableFuture<ArrayNode> thirdPartyUsersForUserId(String userId);

  /** Convenience for connectors: the {@code fields} map of a location or user object. */
  static Map<String, String> fields(JsonNode node) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    node.path("fields").properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }
}
