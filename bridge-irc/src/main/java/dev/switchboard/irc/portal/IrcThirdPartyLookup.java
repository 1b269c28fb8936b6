package dev.switchboard.irc.portal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.ghost.GhostIds;
import dev.switchboard.irc.network.NetworkConfig;
import dev.switchboard.irc.puppet.PuppetNick;
import java.util.Map;
import java.util.Optional;

/**
 * Third-party lookups for protocol {@code irc} (Matrix AS API, {@code /thirdparty/...}): the protocol with one
 * instance per network, network + channel → the portal alias, network + nickname → the ghost id, and back. Pure:
 * answers come from the config and the id grammar, so a lookup never creates a room or a ghost.
 */
public final class IrcThirdPartyLookup {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Map<String, NetworkConfig> networks;
  private final String aliasPrefix;
  private final GhostIds ghostIds;
  private final String domain;

  public IrcThirdPartyLookup(Map<String, NetworkConfig> networks, String aliasPrefix, GhostIds ghostIds, String domain) {
    this.networks = Map.copyOf(networks);
    this.aliasPrefix = aliasPrefix;
    this.ghostIds = ghostIds;
    this.domain = domain;
  }

  private Optional<NetworkConfig> network(String id) {
    return Optional.ofNullable(networks.get(id));
  }

  public ObjectNode protocol() {
    ObjectNode p = JSON.objectNode();
    p.putArray("user_fields").add("network").add("nickname");
    p.putArray("location_fields").add("network").add("channel");
    p.put("icon", "");
    ObjectNode types = p.putObject("field_types");
    types.putObject("network").put("regexp", "[a-z0-9][a-z0-9.-]{0,31}").put("placeholder", "libera");
    types.putObject("channel").put("regexp", "[#&+!][^\\s,:\\u0007]{1,49}").put("placeholder", "#java");
    types.putObject("nickname").put("regexp", "[A-Za-z\\[\\]\\\\`_^{|}][A-Za-z0-9\\[\\]\\\\`_^{|}-]*")
        .put("placeholder", "alice");
    ArrayNode instances = p.putArray("instances");
    for (NetworkConfig n : networks.values().stream().sorted(java.util.Comparator.comparing(NetworkConfig::id)).toList()) {
      ObjectNode i = instances.addObject();
      i.put("desc", n.id() + " (" + n.host() + ")");
      i.put("network_id", n.id());
      i.putObject("fields").put("network", n.id());
    }
    return p;
  }

  /** The portal alias for network + channel, when the channel could be a portal. */
  public ArrayNode locations(Map<String, String> fields) {
    ArrayNode out = JSON.arrayNode();
    Optional<NetworkConfig> network = Optional.ofNullable(fields.get("network")).flatMap(this::network);
    Optional<ChannelName> channel = Optional.ofNullable(fields.get("channel")).flatMap(ChannelName::parse);
    if (network.isPresent() && channel.isPresent() && network.get().allows(channel.get())) {
      location(out, new ChannelRef(network.get().id(), channel.get()));
    }
    return out;
  }

  public ArrayNode locationsForAlias(String alias) {
    ArrayNode out = JSON.arrayNode();
    try {
      RoomAlias a = RoomAlias.of(alias);
      if (a.server().equals(domain)) {
        ChannelRef.ofAliasLocalpart(a.localpart(), aliasPrefix)
            .filter(ref -> network(ref.network()).map(n -> n.allows(ref.channel())).orElse(false))
            .ifPresent(ref -> location(out, ref));
      }
    } catch (IllegalArgumentException notAnAlias) {
      // an empty answer: not one of ours
    }
    return out;
  }

  private void location(ArrayNode out, ChannelRef ref) {
    ObjectNode l = out.addObject();
    l.put("alias", "#" + ref.aliasLocalpart(aliasPrefix) + ":" + domain);
    l.put("protocol", ChannelPortals.PROTOCOL);
    l.putObject("fields").put("network", ref.network()).put("channel", ref.channel().value());
  }

  /** The ghost for network + nickname. */
  public ArrayNode users(Map<String, String> fields) {
    ArrayNode out = JSON.arrayNode();
    Optional<NetworkConfig> network = Optional.ofNullable(fields.get("network")).flatMap(this::network);
    String nick = fields.get("nickname");
    if (network.isPresent() && nick != null && PuppetNick.isValid(nick)) {
      user(out, network.get().id(), nick);
    }
    return out;
  }

  public ArrayNode usersForUserId(String userId) {
    ArrayNode out = JSON.arrayNode();
    try {
      ghostIds.remoteUser(UserId.of(userId))
          .filter(u -> network(u.network()).isPresent() && PuppetNick.isValid(u.nick()))
          .ifPresent(u -> user(out, u.network(), u.nick()));
    } catch (IllegalArgumentException notAUserId) {
      // an empty answer: not one of ours
    }
    return out;
  }

  private void user(ArrayNode out, String network, String nick) {
    ObjectNode u = out.addObject();
    u.put("userid", ghostIds.ghost(network, nick).value());
    u.put("protocol", ChannelPortals.PROTOCOL);
    u.putObject("fields").put("network", network).put("nickname", nick);
  }
}
