package dev.switchboard.core.connector;

import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The enabled connectors, looked up by protocol or by the namespaces they claim. */
public final class Connectors {
  private final Map<String, Connector> byProtocol = new LinkedHashMap<>();
  /** Extra third-party protocol ids ({@link ThirdPartyCapable#thirdPartyProtocolIds()}) to their connector. */
  private final Map<String, Connector> byThirdPartyId = new LinkedHashMap<>();

  public Connectors(List<Connector> connectors) {
    for (Connector c : connectors) {
      if (byProtocol.putIfAbsent(c.protocol(), c) != null) {
        throw new IllegalArgumentException("two connectors for protocol " + c.protocol());
      }
      if (c instanceof ThirdPartyCapable tp) {
        tp.thirdPartyProtocolIds().forEach(id -> byThirdPartyId.putIfAbsent(id, c));
      }
    }
  }

  public List<Connector> all() {
    return List.copyOf(byProtocol.values());
  }

  public Optional<Connector> forProtocol(String protocol) {
    return Optional.ofNullable(byProtocol.get(protocol));
  }

  /** The connector answering third-party lookups for {@code protocol}: its own protocol id or an extra one. */
  public Optional<Connector> forThirdPartyProtocol(String protocol) {
    return forProtocol(protocol).or(() -> Optional.ofNullable(byThirdPartyId.get(protocol)));
  }

  /** The connector whose user namespace holds {@code user}, i.e. whose ghost it is. */
  public Optional<Connector> owningUser(UserId user) {
    return byProtocol.values().stream().filter(c -> c.namespaces().claimsUser(user.value())).findFirst();
  }

  /** The connector whose alias namespace holds {@code alias}. */
  public Optional<Connector> owningAlias(RoomAlias alias) {
    return byProtocol.values().stream().filter(c -> c.namespaces().claimsAlias(alias.value())).findFirst();
  }
}
