package dev.switchboard.xmpp.lookup;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.address.MucAliases;
import dev.switchboard.xmpp.address.XmppGhostIds;
import java.util.Map;
import java.util.Optional;
import org.jxmpp.jid.BareJid;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * Third-party lookups for protocol {@code xmpp} (Matrix AS API, {@code /thirdparty/...}): a MUC JID → its portal
 * alias (or, for a room on our own component, the Matrix room's alias it stands for), an XMPP address → its ghost,
 * and back. Pure: answers come from the id grammar, so a lookup never creates a room or a ghost.
 */
public final class ThirdPartyLookup {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final String PROTOCOL = "xmpp";
  private static final String JID_REGEXP = "[^@/\\s]+@[^@/\\s]+";

  private final MucAliases aliases;
  private final XmppGhostIds ghostIds;
  private final GatewayJids gatewayJids;
  private final String componentDomain;
  private final String serverName;

  public ThirdPartyLookup(MucAliases aliases, XmppGhostIds ghostIds, String componentDomain, String serverName) {
    this.aliases = aliases;
    this.ghostIds = ghostIds;
    this.gatewayJids = new GatewayJids(componentDomain);
    this.componentDomain = componentDomain;
    this.serverName = serverName;
  }

  public ObjectNode protocol() {
    ObjectNode p = JSON.objectNode();
    p.putArray("user_fields").add("jid");
    p.putArray("location_fields").add("room");
    p.put("icon", "");
    ObjectNode types = p.putObject("field_types");
    types.putObject("jid").put("regexp", JID_REGEXP).put("placeholder", "alice@example.org");
    types.putObject("room").put("regexp", JID_REGEXP).put("placeholder", "dev@conference.example.org");
    ObjectNode instance = p.putArray("instances").addObject();
    instance.put("desc", "XMPP");
    instance.put("network_id", PROTOCOL);
    instance.putObject("fields");
    return p;
  }

  /** {@code room}: a MUC's JID (also {@code xmpp:room@service?join}) → the alias that leads into it. */
  public ArrayNode locations(Map<String, String> fields) {
    ArrayNode out = JSON.arrayNode();
    bareJid(fields.get("room")).flatMap(j -> Optional.ofNullable(j.asEntityBareJidIfPossible())).ifPresent(room -> {
      if (room.getDomain().toString().equals(componentDomain)) {
        // One of our gateway rooms: the Matrix room's own alias, if it is one of this homeserver's.
        gatewayJids.aliasOf(room).filter(a -> a.server().equals(serverName)).ifPresent(a -> location(out, a, room));
      } else {
        location(out, aliases.aliasOf(room), room);
      }
    });
    return out;
  }

  public ArrayNode locationsForAlias(String alias) {
    ArrayNode out = JSON.arrayNode();
    try {
      RoomAlias a = RoomAlias.of(alias);
      aliases.mucOf(a).ifPresent(muc -> location(out, a, muc));
    } catch (IllegalArgumentException notAnAlias) {
      // an empty answer: not one of ours
    }
    return out;
  }

  private static void location(ArrayNode out, RoomAlias alias, EntityBareJid room) {
    ObjectNode l = out.addObject();
    l.put("alias", alias.value());
    l.put("protocol", PROTOCOL);
    l.putObject("fields").put("room", room.toString());
  }

  /** {@code jid}: an XMPP user's address → their ghost. Addresses on our own component are Matrix users. */
  public ArrayNode users(Map<String, String> fields) {
    ArrayNode out = JSON.arrayNode();
    bareJid(fields.get("jid")).filter(j -> j.hasLocalpart() && !j.getDomain().toString().equals(componentDomain))
        .ifPresent(jid -> {
          try {
            user(out, ghostIds.ghostOf(jid), jid);
          } catch (IllegalArgumentException tooLong) {
            // no ghost can stand for it: an empty answer
          }
        });
    return out;
  }

  public ArrayNode usersForUserId(String userId) {
    ArrayNode out = JSON.arrayNode();
    try {
      UserId user = UserId.of(userId);
      // Only a person's ghost: an occupant's ghost (room@service/nick) has no address to look up.
      ghostIds.jidOf(user).filter(Jid::isEntityBareJid).map(Jid::asBareJid)
          .ifPresent(jid -> user(out, user, jid));
    } catch (IllegalArgumentException notAUserId) {
      // an empty answer: not one of ours
    }
    return out;
  }

  private static void user(ArrayNode out, UserId ghost, BareJid jid) {
    ObjectNode u = out.addObject();
    u.put("userid", ghost.value());
    u.put("protocol", PROTOCOL);
    u.putObject("fields").put("jid", jid.toString());
  }

  /** A bare JID from a field: {@code a@b}, or an {@code xmpp:} URI; a resource is dropped. */
  private static Optional<BareJid> bareJid(String value) {
    if (value == null || value.isBlank() || value.length() > 3071) {
      return Optional.empty();
    }
    String v = value.strip();
    if (v.startsWith("xmpp:")) {
      v = v.substring(5);
      int q = v.indexOf('?');
      if (q >= 0) {
        v = v.substring(0, q);
      }
    }
    try {
      return Optional.of(JidCreate.from(v).asBareJid());
    } catch (XmppStringprepException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
