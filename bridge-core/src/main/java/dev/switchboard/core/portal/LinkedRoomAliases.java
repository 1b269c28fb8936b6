package dev.switchboard.core.portal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.store.PortalStore;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connector's alias query answers for a remote room (issue 9), shared by the connectors so they decide alike:
 *
 * <ul>
 *   <li>the alias already names a portal: that room;
 *   <li>the remote room is not linked: {@link Kind#CREATE}, the connector creates a portal;
 *   <li>the remote room is linked as some room's portal (another spelling of the same remote room): that room, once
 *       the alias is created pointing at it;
 *   <li>the remote room was linked into a room by {@code !link} or the provisioning API (a hub room, say):
 *       that room as well when the admin allows it with {@code <section>.hub.portal_aliases: true}; otherwise
 *       {@link Kind#REFUSED}, "no such room" (the alias must not publish a plumbed room, and a second portal for a
 *       linked remote room cannot exist).
 * </ul>
 */
public final class LinkedRoomAliases {
  private static final Logger log = LoggerFactory.getLogger(LinkedRoomAliases.class);

  /** What to do with the alias query. */
  public enum Kind {
    /** Answer with {@link Answer#room()}. */
    EXISTING,
    /** Create the alias pointing at {@link Answer#room()}, then answer with it. */
    EXISTING_ALIAS_MISSING,
    /** The remote room is not linked: create a portal. */
    CREATE,
    /** Answer "no such room". */
    REFUSED
  }

  /** @param room the room the alias resolves to; empty for {@link Kind#CREATE} and {@link Kind#REFUSED} */
  public record Answer(Kind kind, Optional<RoomId> room) {}

  private final Portals portals;
  private final String protocol;
  private final boolean allowed;

  public LinkedRoomAliases(Portals portals, String protocol, boolean allowed) {
    this.portals = portals;
    this.protocol = protocol;
    this.allowed = allowed;
  }

  /** Reads {@code <section>.hub.portal_aliases} (default false); a value that is not a boolean fails the start. */
  public static boolean allowed(JsonNode connectorSection, String sectionName) {
    JsonNode value = connectorSection.path("hub").path("portal_aliases");
    if (value.isMissingNode() || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw new ConfigException(sectionName + ".hub.portal_aliases must be true or false, got " + value);
    }
    return value.asBoolean();
  }

  public boolean allowed() {
    return allowed;
  }

  /** The answer for {@code alias}, which names the remote room {@code remoteId}. Blocking (JDBC). */
  public Answer answer(RoomAlias alias, String remoteId) {
    Optional<RoomId> byAlias = portals.portalByAlias(alias).map(PortalStore.Portal::roomId);
    if (byAlias.isPresent()) {
      return new Answer(Kind.EXISTING, byAlias);
    }
    Optional<Link> link = portals.linkOfRemote(protocol, remoteId);
    if (link.isEmpty()) {
      return new Answer(Kind.CREATE, Optional.empty());
    }
    if (!link.get().plumbed() || allowed) {
      return new Answer(Kind.EXISTING_ALIAS_MISSING, Optional.of(link.get().roomId()));
    }
    log.info("Alias {}: {} {} is linked to {} by an admin and {}.hub.portal_aliases is off; answering no such room",
        alias, protocol, remoteId, link.get().roomId(), protocol);
    return new Answer(Kind.REFUSED, Optional.empty());
  }

  /**
   * Answers an alias query: {@link #answer} on {@code blocking}, the alias created for an existing linked room,
   * {@code create} called to open a new portal when the remote room is not linked.
   */
  public CompletableFuture<Optional<RoomId>> resolve(RoomAlias alias, String remoteId, Intent bot, Executor blocking,
      Supplier<CompletableFuture<Optional<RoomId>>> create) {
    return CompletableFuture.supplyAsync(() -> answer(alias, remoteId), blocking).thenCompose(a -> switch (a.kind()) {
      case EXISTING -> CompletableFuture.completedFuture(a.room());
      case EXISTING_ALIAS_MISSING -> bot.createAlias(alias, a.room().orElseThrow()).thenApply(v -> a.room());
      case CREATE -> create.get();
      case REFUSED -> CompletableFuture.completedFuture(Optional.<RoomId>empty());
    });
  }
}
