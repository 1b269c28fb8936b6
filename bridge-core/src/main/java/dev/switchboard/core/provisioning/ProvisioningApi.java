package dev.switchboard.core.provisioning;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkCapable;
import dev.switchboard.core.connector.ThirdPartyCapable;
import dev.switchboard.core.failure.Failures;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.core.store.LoginStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the provisioning endpoints do, with every permission rule, independent of HTTP. Methods may block on the
 * database: call them off event loops. Results are the JSON bodies of a 200 answer; failures are
 * {@link ProvisioningException}s.
 *
 * <p>Rules: nobody below {@code relay} gets anything. Listing networks and one's own status needs {@code relay};
 * querying a remote room and listing the links of a room one is joined to needs {@code user}; linking and unlinking
 * need {@code admin} <em>and</em> the power to change the room's state (an integration acting as itself skips the
 * room check); listing every link needs {@code admin}.
 */
public final class ProvisioningApi {
  private static final Logger log = LoggerFactory.getLogger(ProvisioningApi.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Connectors connectors;
  private final Portals portals;
  private final Intents intents;
  private final LoginStore logins;
  private final Duration linkTimeout;
  private final RoomPowers rooms;
  private final Executor blocking;

  /**
   * @param linkTimeout how long a link or unlink may take; an IRC link waits here for a channel operator's answer
   * @param blocking where the store is read after a homeserver answer (never the HTTP client's threads)
   */
  public ProvisioningApi(Connectors connectors, Portals portals, Intents intents, LoginStore logins,
      Duration linkTimeout, Executor blocking) {
    this.blocking = blocking;
    this.connectors = connectors;
    this.portals = portals;
    this.intents = intents;
    this.logins = logins;
    this.linkTimeout = linkTimeout;
    this.rooms = new RoomPowers(intents);
  }

  /** {@code GET /whoami}: the caller, their level, their logins and the networks' states. */
  public CompletableFuture<ObjectNode> whoami(Caller caller) {
    require(caller, Level.RELAY, "use the bridge");
    ObjectNode body = NODES.objectNode();
    if (caller.user().isPresent()) {
      body.put("user_id", caller.user().get().value());
    } else {
      body.putNull("user_id");
    }
    body.put("level", caller.level().configName());
    body.put("via", caller.via().name().toLowerCase(java.util.Locale.ROOT));
    ArrayNode list = body.putArray("logins");
    if (caller.user().isPresent()) {
      for (LoginStore.Login login : logins.loginsOf(caller.user().get())) {
        ObjectNode l = list.addObject()
            .put("protocol", login.key().protocol())
            .put("network", login.key().network());
        if (login.remoteId().isPresent()) {
          l.put("remote_id", login.remoteId().get());
        } else {
          l.putNull("remote_id");
        }
        Optional<Connector> connector = connectors.forProtocol(login.key().protocol());
        l.put("network_state", connector.map(c -> state(c)).orElse("DISABLED"));
      }
    }
    ObjectNode states = body.putObject("networks");
    connectors.all().forEach(c -> states.put(c.protocol(), state(c)));
    return CompletableFuture.completedFuture(body);
  }

  /** {@code GET /networks}: the enabled connectors, their state, whether they link rooms, and their instances. */
  public CompletableFuture<ObjectNode> networks(Caller caller) {
    require(caller, Level.RELAY, "use the bridge");
    ObjectNode body = NODES.objectNode();
    ArrayNode list = body.putArray("networks");
    for (Connector c : connectors.all()) {
      ObjectNode n = list.addObject()
          .put("protocol", c.protocol())
          .put("state", state(c))
          .put("can_link", c instanceof LinkCapable);
      ArrayNode instances = n.putArray("instances");
      if (c instanceof ThirdPartyCapable tp) {
        try {
          tp.thirdPartyProtocol().path("instances").forEach(i -> instances.addObject()
              .put("network_id", i.path("network_id").asText())
              .put("desc", i.path("desc").asText()));
        } catch (RuntimeException e) {
          log.debug("Connector {} could not describe its networks: {}", c.protocol(), e.toString());
        }
      }
    }
    return CompletableFuture.completedFuture(body);
  }

  /** {@code GET /remote?protocol=&room=}: the canonical name of a remote room and whether it is linked. */
  public CompletableFuture<ObjectNode> remoteRoom(Caller caller, String protocol, String remoteRoom) {
    require(caller, Level.USER, "query remote rooms");
    LinkCapable linker = linker(protocol);
    String canonical = normalise(linker, protocol, remoteRoom);
    Optional<Link> link = portals.linkOfRemote(protocol, canonical);
    ObjectNode body = NODES.objectNode()
        .put("protocol", protocol)
        .put("remote_room", canonical)
        .put("linked", link.isPresent());
    if (link.isPresent() && caller.level().atLeast(Level.ADMIN)) {
      body.put("room_id", link.get().roomId().value());
    }
    return CompletableFuture.completedFuture(body);
  }

  /** {@code GET /rooms/{roomId}/links}: the links of a room the caller is in (admins: any room). */
  public CompletableFuture<ObjectNode> linksOfRoom(Caller caller, RoomId room) {
    require(caller, Level.USER, "see a room's links");
    CompletableFuture<Void> allowed = caller.level().atLeast(Level.ADMIN) || caller.isIntegration()
        ? CompletableFuture.completedFuture(null)
        : rooms.requireMember(room, caller.user().get());
    return allowed.thenApplyAsync(ok -> {
      ObjectNode body = NODES.objectNode().put("room_id", room.value());
      ArrayNode list = body.putArray("links");
      portals.linksOf(room).forEach(l -> list.add(toJson(l)));
      return body;
    }, blocking);
  }

  /** {@code GET /links[?protocol=]}: every link of the bridge (admins). */
  public CompletableFuture<ObjectNode> allLinks(Caller caller, Optional<String> protocol) {
    require(caller, Level.ADMIN, "list every link");
    ObjectNode body = NODES.objectNode();
    ArrayNode list = body.putArray("links");
    List<Connector> which = protocol.isPresent() ? List.of(connector(protocol.get())) : connectors.all();
    for (Connector c : which) {
      portals.linksOfProtocol(c.protocol()).forEach(l -> list.add(toJson(l)));
    }
    return CompletableFuture.completedFuture(body);
  }

  /**
   * {@code POST /rooms/{roomId}/links}: links the room to a remote room through the connector's
   * {@link LinkCapable#link}, waiting up to the link timeout (an IRC link completes when a channel operator agreed).
   */
  public CompletableFuture<ObjectNode> link(Caller caller, RoomId room, String protocol, String remoteRoom) {
    require(caller, Level.ADMIN, "link rooms");
    LinkCapable linker = linker(protocol);
    String canonical = normalise(linker, protocol, remoteRoom);
    UserId requester = caller.user().orElse(intents.bot().userId());
    return moderatorUnlessIntegration(caller, room).thenComposeAsync(ok -> {
      Optional<Link> existing = portals.linkOfRemote(protocol, canonical);
      if (existing.isPresent()) {
        throw new ProvisioningException(409, "M_ROOM_IN_USE", protocol + " " + canonical + " is already linked"
            + (existing.get().roomId().equals(room) ? " to this room" : " to another room"));
      }
      log.info("Provisioning: {} links {} to {} {}", caller, room, protocol, canonical);
      return timed(linker.link(room, canonical, requester), "the link to " + canonical);
    }, blocking).thenApply(link -> {
      log.info("Provisioning: linked {} to {} {}", room, protocol, link.remoteId());
      return toJson(link);
    });
  }

  /** {@code DELETE /rooms/{roomId}/links?protocol=&remote_room=}: removes one link of the room. */
  public CompletableFuture<ObjectNode> unlink(Caller caller, RoomId room, String protocol, String remoteRoom) {
    require(caller, Level.ADMIN, "unlink rooms");
    LinkCapable linker = linker(protocol);
    String canonical = normalise(linker, protocol, remoteRoom);
    return moderatorUnlessIntegration(caller, room).thenComposeAsync(ok -> {
      Link link = portals.linksOf(room).stream()
          .filter(l -> l.protocol().equals(protocol) && l.remoteId().equals(canonical))
          .findFirst()
          .orElseThrow(() -> ProvisioningException.notFound(room + " is not linked to " + protocol + " "
              + canonical));
      log.info("Provisioning: {} unlinks {} from {} {}", caller, room, protocol, canonical);
      return timed(linker.unlink(link), "unlinking " + canonical).thenApply(done -> {
        ObjectNode body = toJson(link);
        body.put("unlinked", true);
        return body;
      });
    }, blocking);
  }

  private CompletableFuture<Void> moderatorUnlessIntegration(Caller caller, RoomId room) {
    return caller.isIntegration() ? CompletableFuture.completedFuture(null)
        : rooms.requireModerator(room, caller.user().get());
  }

  private <T> CompletableFuture<T> timed(CompletableFuture<T> work, String what) {
    return work.orTimeout(linkTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((value, error) -> {
      if (error == null) {
        return value;
      }
      Throwable cause = Failures.rootCause(error);
      if (cause instanceof TimeoutException) {
        work.cancel(false);
        throw new ProvisioningException(504, ProvisioningException.TIMEOUT, what + " did not complete within "
            + linkTimeout.toSeconds() + " s");
      }
      if (cause instanceof LinkCapable.LinkException e) {
        throw new ProvisioningException(statusOf(e.errcode()), e.errcode(), e.getMessage());
      }
      if (cause instanceof ProvisioningException e) {
        throw e;
      }
      log.warn("Provisioning: {} failed: {}", what, Failures.rootMessage(error));
      throw new ProvisioningException(500, "M_UNKNOWN", what + " failed: " + Failures.rootMessage(error));
    });
  }

  private static int statusOf(String errcode) {
    return switch (errcode) {
      case "M_NOT_FOUND" -> 404;
      case "M_FORBIDDEN" -> 403;
      case "M_ROOM_IN_USE" -> 409;
      case "M_LIMIT_EXCEEDED" -> 429;
      case ProvisioningException.TIMEOUT -> 504; // a connector's own wait ran out (an IRC operator never answered)
      default -> 400;
    };
  }

  private static String normalise(LinkCapable linker, String protocol, String remoteRoom) {
    if (remoteRoom == null || remoteRoom.isBlank()) {
      throw ProvisioningException.badRequest("M_MISSING_PARAM", "remote_room is required");
    }
    try {
      return linker.normaliseRemoteRoom(remoteRoom.trim());
    } catch (LinkCapable.LinkException e) {
      throw new ProvisioningException(statusOf(e.errcode()), e.errcode(), e.getMessage());
    }
  }

  private static void require(Caller caller, Level needed, String what) {
    if (!caller.level().atLeast(needed)) {
      throw ProvisioningException.forbidden("You may not " + what + ": it needs level " + needed.configName()
          + ", you have " + caller.level().configName());
    }
  }

  private Connector connector(String protocol) {
    if (protocol == null || protocol.isBlank()) {
      throw ProvisioningException.badRequest("M_MISSING_PARAM", "protocol is required");
    }
    return connectors.forProtocol(protocol).orElseThrow(() -> ProvisioningException.notFound(
        "No enabled network with protocol '" + protocol + "'"));
  }

  private LinkCapable linker(String protocol) {
    Connector c = connector(protocol);
    if (!(c instanceof LinkCapable linker)) {
      throw ProvisioningException.badRequest("M_UNRECOGNIZED", "The " + protocol + " connector cannot link rooms");
    }
    return linker;
  }

  private static String state(Connector c) {
    try {
      return c.state().name();
    } catch (RuntimeException e) {
      return "TRANSIENT_DISCONNECT";
    }
  }

  private static ObjectNode toJson(Link link) {
    return NODES.objectNode()
        .put("room_id", link.roomId().value())
        .put("protocol", link.protocol())
        .put("remote_room", link.remoteId())
        .put("plumbed", link.plumbed());
  }
}
