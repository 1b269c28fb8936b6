package dev.switchboard.xmpp.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StanzaError;
import org.jxmpp.jid.FullJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which Matrix rooms XMPP users may enter through the gateway. The XMPP user is no Matrix user, so no level of
 * theirs applies; what is checked is the room, before the room's own join rules (through the user's ghost):
 * <ol>
 *   <li>its alias is on this homeserver: the bridge never sends its ghosts into rooms named by other servers'
 *       aliases (else anyone on XMPP could reach any public room in the federation as a user of this homeserver);
 *       other aliases are no gateway rooms at all ({@code item-not-found}), not even looked up;
 *   <li>its creator (the {@code creator} of {@code m.room.create}) may use the bridge ({@code user} or
 *       {@code admin}): a room of someone the bridge shuts out is not opened to XMPP on their behalf. Rooms of
 *       version 11 and later name no creator in that content and pass this check.
 * </ol>
 * A refused join gets {@code forbidden} with the reason. The answer is kept per room for the run.
 */
final class GatewayAccess {
  private static final Logger log = LoggerFactory.getLogger(GatewayAccess.class);

  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final XmppGhostIds ghostIds;
  /** Room → why it is closed, or empty when open. */
  private final Map<RoomId, CompletableFuture<Optional<String>>> verdicts = new ConcurrentHashMap<>();

  GatewayAccess(ConnectorContext context, ComponentConnection connection,
      XmppGhostIds ghostIds) {
    this.context = context;
    this.connection = connection;
    this.ghostIds = ghostIds;
  }

  /** Runs {@code join} when the room is open to XMPP, else answers the join presence with the refusal. */
  CompletableFuture<Void> admit(GatewayRoom room, FullJid from, Presence presence,
      Supplier<CompletableFuture<Void>> join) {
    UserId ghost;
    try {
      ghost = ghostIds.ghostOf(from.asBareJid());
    } catch (IllegalArgumentException e) {
      return join.get(); // no ghost for this address: the join answers why
    }
    // Fails closed: a room whose creator cannot be read is not entered (the join would fail anyway).
    return verdict(room, ghost).exceptionally(e -> Optional.of("The Matrix room refused the join"))
        .thenCompose(refusal -> {
          if (refusal.isEmpty()) {
            return join.get();
          }
          log.info("{} may not join gateway room {} ({}): {}", from, room.alias, room.roomId, refusal.get());
          connection.send(GatewayStanzas.joinError(presence, StanzaError.Condition.forbidden, refusal.get()));
          return CompletableFuture.<Void>completedFuture(null);
        });
  }

  /**
   * True for aliases on this homeserver. Checked before the alias is even resolved, so XMPP users cannot make the
   * homeserver look up other servers' directories either.
   */
  boolean serves(RoomAlias alias) {
    return alias.server().toLowerCase(Locale.ROOT).equals(context.serverName().toLowerCase(Locale.ROOT));
  }

  /** Why a join found no room for {@code alias}. */
  String notFound(Optional<RoomAlias> alias) {
    if (alias.isPresent() && !serves(alias.get())) {
      return "This gateway serves only rooms with an alias on " + context.serverName();
    }
    return "No Matrix room has the alias " + alias.map(RoomAlias::value).orElse("?");
  }

  private CompletableFuture<Optional<String>> verdict(GatewayRoom room, UserId ghost) {
    CompletableFuture<Optional<String>> known = verdicts.get(room.roomId);
    if (known != null) {
      return known;
    }
    CompletableFuture<Optional<String>> fresh = createEvent(room, ghost).thenApply(create -> closed(create)
        ? Optional.of("This Matrix room is not open to XMPP through this bridge") : Optional.<String>empty());
    verdicts.put(room.roomId, fresh);
    fresh.whenComplete((v, e) -> {
      if (e != null) {
        verdicts.remove(room.roomId, fresh); // ask again next time
      }
    });
    return fresh;
  }

  /**
   * The room's {@code m.room.create} content, read by the bot (a member of plumbed rooms), else by the joining
   * user's ghost: Synapse lets only members read a room, and the ghost is about to join anyway (it leaves again if
   * the room is closed).
   */
  private CompletableFuture<JsonNode> createEvent(GatewayRoom room, UserId ghost) {
    Intent bot = context.intents().bot();
    return bot.getState(room.roomId, "m.room.create", "").exceptionallyCompose(botCannot -> {
      Intent intent = context.intents().ghost(ghost);
      return intent.ensureJoined(room.roomId)
          .thenCompose(v -> intent.getState(room.roomId, "m.room.create", ""))
          .thenCompose(create -> closed(create) ? intent.leave(room.roomId).handle((v, e) -> create)
              : CompletableFuture.completedFuture(create));
    });
  }

  /** True when the create content names a creator below {@code user}; a malformed creator closes the room too. */
  private boolean closed(JsonNode create) {
    JsonNode creator = create.path("creator");
    if (!creator.isTextual()) {
      return false;
    }
    try {
      return !context.permissions().allows(UserId.of(creator.asText()), Level.USER);
    } catch (IllegalArgumentException e) {
      return true;
    }
  }
}
